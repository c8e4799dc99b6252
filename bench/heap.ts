import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

// `npm run bench` starts node through tsx without --expose-gc; turning the flag on at run time
// and fetching gc from a fresh context gives the same function.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Runs a full garbage collection, so heap figures measure what is live rather than when the collector last ran. */
export function collectGarbage(): void {
  gc();
}

/** The V8 heap in use, in MB to one decimal. */
export function heapUsedMb(): number {
  return Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10;
}
