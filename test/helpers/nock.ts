/** For a test file whose HTTP is all nock: no real connection, and no interceptor outlives its test. */
import nock from "nock";
import { afterEach, beforeAll } from "vitest";

export function nockOnly(): void {
  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.cleanAll();
  });
}
