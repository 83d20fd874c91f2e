/** Time is injected so lease and backoff tests never sleep. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
