import { memberBenefits as engineBenefits, type CompiledPolicy } from "../../../engine/src/index";
import { snapshotOf, type MemberRow } from "./ledger";

/** The benefit flags a member holds now under its program. */
export function memberBenefits(compiled: CompiledPolicy, row: MemberRow, at: string): string[] {
  return engineBenefits(compiled.plan, snapshotOf(row), at);
}
