import { and, asc, eq, gt, lte } from "drizzle-orm";
import { parseInstant } from "../../../engine/src/index";
import type { Db } from "../db/client";
import { lifecycleRuns, pointLots } from "../db/schema";
import { lockMember, MemberLedger } from "./ledger";
import type { PolicyRegistry } from "./policies";

/** What one lifecycle run changed. */
export interface LifecycleResult {
  asOf: string;
  pointsExpired: { members: number; lots: number; points: number };
}

/**
 * Lifecycle steps due up to `asOf`, one member per transaction so that an interrupted run can
 * simply be run again: each step only finds what is still due, so a second run changes nothing.
 */
export class LifecycleService {
  constructor(private readonly deps: { db: Db; registry: PolicyRegistry }) {}

  async run(asOf: string, keyId: string | null): Promise<LifecycleResult> {
    const asOfMs = parseInstant(asOf);
    const asOfIso = new Date(asOfMs).toISOString();
    const result: LifecycleResult = { asOf, pointsExpired: { members: 0, lots: 0, points: 0 } };
    const due = await this.deps.db.selectDistinct({ memberId: pointLots.memberId }).from(pointLots).where(and(lte(pointLots.expiresAt, asOfIso), gt(pointLots.remaining, 0))).orderBy(asc(pointLots.memberId));
    for (const { memberId } of due) {
      await this.deps.db.transaction(async (tx) => {
        const member = await lockMember(tx, memberId);
        const version = this.deps.registry.inForce(member.programId, asOfMs);
        const lots = await tx.select().from(pointLots).where(and(eq(pointLots.memberId, memberId), lte(pointLots.expiresAt, asOfIso), gt(pointLots.remaining, 0))).orderBy(asc(pointLots.id)).for("update");
        if (lots.length === 0) return;
        const ledger = new MemberLedger(tx, member, version.compiled.policy);
        for (const lot of lots) {
          await ledger.expireLot(lot, { decisionId: null, receiptId: lot.receiptId, policyId: version.programId, policyVersion: version.version, rule: "settings/points/expireAfterYears", at: asOf });
          result.pointsExpired.lots += 1;
          result.pointsExpired.points += lot.remaining;
        }
        result.pointsExpired.members += 1;
        await ledger.flush();
      });
    }
    await this.deps.db.insert(lifecycleRuns).values({ asOf: asOfIso, result, keyId }).onConflictDoNothing();
    return result;
  }
}
