import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { stepMdp } from "./step-mdp";

const f = (v: number) => HostArray.from("float32", [1], [v]);
const b = (v: number) => HostArray.from("bool", [1], [v]);

function stepped(): TensorDict {
  return TensorDict.from({
    observation: f(0),
    done: b(0),
    reward: f(-5),
    action: HostArray.from("int32", [], [1]),
    extra: f(7),
    agent: { action: f(3), state: f(4) },
    next: { observation: f(1), reward: f(1), done: b(1), terminated: b(1) },
  });
}

describe("stepMdp", () => {
  it("takes next's keys, keeps other root keys, drops action and reward", () => {
    const out = stepMdp(stepped());
    expect(out.keys().sort()).toEqual(["agent", "done", "extra", "observation", "terminated"]);
    expect(out.getHost("observation").data[0]).toBe(1);
    expect(out.getHost("done").data[0]).toBe(1);
    expect(out.getHost("extra").data[0]).toBe(7);
  });

  it("shares leaves rather than copying them", () => {
    const td = stepped();
    expect(stepMdp(td).get("observation")).toBe(td.get("next.observation"));
  });

  it("honours each option", () => {
    expect(stepMdp(stepped(), { excludeReward: false }).getHost("reward").data[0]).toBe(1);
    expect(stepMdp(stepped(), { excludeDone: true }).keys().sort()).toEqual(["agent", "extra", "observation"]);
    expect(stepMdp(stepped(), { excludeAction: false }).getHost("action").data[0]).toBe(1);
    expect(stepMdp(stepped(), { keepOther: false }).keys().sort()).toEqual(["done", "observation", "terminated"]);
    expect(stepMdp(stepped(), { keepOther: false, excludeAction: false }).keys().sort()).toEqual([
      "action",
      "done",
      "observation",
      "terminated",
    ]);
  });

  it("excludes nested action keys without dropping their siblings", () => {
    const out = stepMdp(stepped(), { actionKeys: ["agent.action"] });
    expect(out.keys({ nested: true }).sort()).toEqual([
      "action",
      "agent",
      "agent.state",
      "done",
      "extra",
      "observation",
      "terminated",
    ]);
  });

  it("throws when there is no next record", () => {
    expect(() => stepMdp(TensorDict.from({ observation: f(0) }))).toThrow(
      'stepMdp: the record has no "next" sub-record (keys: observation)',
    );
  });
});
