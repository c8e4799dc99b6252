import { and, asc, eq, gt, lte } from "drizzle-orm";
import { parseInstant } from "../../../engine/src/index";
import type { Db } from "../db/client";
import { lifecycleRuns, pointLots } from "../db/schema";
import { newId } from "../ids";
import type { DecisionLog } from "./decision-log";
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
  constructor(private readonly deps: { db: Db; registry: PolicyRegistry; log: DecisionLog }) {}

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
        // Each member's expiry is a logged decision, so that its ledger entries name what caused them.
        const decisionId = newId("d");
        const expired = lots.map((lot) => ({ lotId: lot.id, receiptId: lot.receiptId, earnedOn: lot.earnedOn, expiresAt: lot.expiresAt, points: lot.remaining }));
        for (const lot of lots) {
          await ledger.expireLot(lot, { decisionId, receiptId: lot.receiptId, policyId: version.programId, policyVersion: version.version, rule: "settings/points/expireAfterYears", at: asOf });
        }
        const points = expired.reduce((sum, lot) => sum + lot.points, 0);
        await this.deps.log.write(tx, { id: decisionId, kind: "points_expiry", policyId: version.programId, policyVersion: version.version, receiptId: null, memberId, keyId, input: { asOf, memberId }, result: { decisionId, expired, points } });
        await ledger.flush();
        result.pointsExpired.lots += lots.length;
        result.pointsExpired.points += points;
        result.pointsExpired.members += 1;
      });
    }
    await this.deps.db.insert(lifecycleRuns).values({ asOf: asOfIso, result, keyId }).onConflictDoNothing();
    return result;
  }
}
