/**
 * Entry point of `npm start`. The flagship program (recurrent DQN on pixel CartPole) needs envs,
 * transforms, buffers, modules, losses and collectors, none of which exist yet; until the examples
 * issue lands this only tells the user so, and exits 0 so `npm start` is not mistaken for a crash.
 */
const notice = [
  "tdrl flagship: recurrent DQN on pixel CartPole.",
  "The training program is coming with the examples issue; nothing is trained yet.",
  "Meanwhile, `npm test` runs the test suite and `npm run bench` the benchmarks.",
];

console.log(notice.join("\n"));
