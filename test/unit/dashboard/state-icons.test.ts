import { describe, expect, it } from "vitest";
import { stateLabel } from "../../../client/cli/job-format.ts";
import { TASK_ICONS } from "../../../client/cli/task-tree.ts";
import { JOB_STATES, STATE_EMOJI, STATE_ICON_NAMES, STATE_LOOKS } from "../../../shared/states.ts";

// The dashboard's icon set (plain browser JS; drawing needs a DOM, the table does not).
const ICONS_MODULE = "../../../server/http/dashboard/assets/components/icons.js";
const { ICONS } = (await import(ICONS_MODULE)) as { ICONS: Record<string, unknown[]> };

const EVERY_STATE = [...JOB_STATES, "skipped"] as const;

describe("state icons: one table for the CLI and the dashboard", () => {
  it("gives every job and task state an emoji and an icon the dashboard can draw", () => {
    expect(Object.keys(STATE_LOOKS).sort()).toEqual([...EVERY_STATE].sort());
    for (const state of EVERY_STATE) {
      expect(STATE_LOOKS[state].emoji, state).toMatch(/^\p{Extended_Pictographic}/u);
      expect(ICONS[STATE_LOOKS[state].icon], `${state}: icon ${STATE_LOOKS[state].icon}`).toBeDefined();
      expect(ICONS[STATE_LOOKS[state].icon]?.length, state).toBeGreaterThan(0);
    }
  });

  it("has the CLI print the emoji and the dashboard get the icon of the same entry", () => {
    for (const state of JOB_STATES) {
      expect(stateLabel(state, true)).toBe(`${STATE_LOOKS[state].emoji} ${state}`);
      expect(stateLabel(state, false)).toBe(state);
    }
    expect(TASK_ICONS).toEqual(STATE_EMOJI);
    expect(STATE_ICON_NAMES).toEqual(
      Object.fromEntries(EVERY_STATE.map((state) => [state, STATE_LOOKS[state].icon])),
    );
  });

  it("keeps the same distinctions on both sides: states share an emoji exactly when they share an icon", () => {
    for (const a of EVERY_STATE) {
      for (const b of EVERY_STATE) {
        const sameEmoji = STATE_LOOKS[a].emoji === STATE_LOOKS[b].emoji;
        expect(STATE_LOOKS[a].icon === STATE_LOOKS[b].icon, `${a} / ${b}`).toBe(sameEmoji);
      }
    }
  });
});
