// @tdrl/buffers/internal: what other @tdrl packages need from buffers but users do not (Node only, not part
// of the public API, may change in any release): the verified file I/O (fsync'd writes, size + sha256 checked
// reads) that @tdrl/trainers' run checkpoints share with saveCheckpoint.

export { writeBinaryFile, readVerifiedFile, hashFile, verifyFile } from "./binary-file";
