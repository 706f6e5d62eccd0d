import * as tf from "@tensorflow/tfjs-core";

/** Activations by name (TorchRL's defaults use `"tanh"` for MLP and `"elu"` for ConvNet), or any tensor function. */
export type ActivationName = "relu" | "tanh" | "elu" | "sigmoid" | "leakyRelu" | "softplus" | "identity";
export type Activation = ActivationName | ((x: tf.Tensor) => tf.Tensor);

const ACTIVATIONS: Record<ActivationName, (x: tf.Tensor) => tf.Tensor> = {
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
  elu: (x) => tf.elu(x),
  sigmoid: (x) => tf.sigmoid(x),
  leakyRelu: (x) => tf.leakyRelu(x, 0.01),
  softplus: (x) => tf.softplus(x),
  identity: (x) => x,
};

export function resolveActivation(activation: Activation, what: string): (x: tf.Tensor) => tf.Tensor {
  if (typeof activation === "function") return activation;
  const fn = ACTIVATIONS[activation];
  if (fn === undefined)
    throw new Error(
      `${what}: unknown activation ${JSON.stringify(activation)}; expected one of ${Object.keys(ACTIVATIONS).join(", ")} or a function`,
    );
  return fn;
}
