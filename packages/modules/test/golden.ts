// Shared with the other packages that test against PyTorch golden values.
export * from "../../../test-support/torch-golden";
