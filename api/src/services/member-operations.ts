import { eq } from "drizzle-orm";
import { localDayOf, parseInstant, type RechargeDecision, type TraceEntry } from "../../../engine/src/index";
import type { Principal } from "../auth";
import type { Db, Tx } from "../db/client";
import { memberOperations, members } from "../db/schema";
import { ApiError, isUniqueViolation } from "../errors";
import { canonicalJson, newId, sha256 } from "../ids";
import type { DecisionLog } from "./decision-log";
import { lockMember, MemberLedger, snapshotOf, type Cause, type MemberRow } from "./ledger";
import type { PolicyRegistry } from "./policies";

/** A stored-value recharge at the desk. */
export interface RechargeRequest {
  rechargeId: string;
  storeId: string;
  at: string;
  amount: number;
}

/** A gift redeemed for points. */
export interface RedemptionRequest {
  redemptionId: string;
  storeId: string;
  at: string;
  giftId: string;
  quantity: number;
}

/** What a recharge did, as the API answers it. */
export interface RechargeResult {
  rechargeId: string;
  decisionId: string;
  memberId: string;
  policy: { id: string; version: number };
  amount: number;
  bonusPoints: RechargeDecision["bonusPoints"];
  bonusCredit: RechargeDecision["bonusCredit"];
  plan: RechargeDecision["plan"];
  storedValue: { balance: number; plan: string | null };
  points: { balance: number };
  trace: TraceEntry[];
}

/** What a redemption did, as the API answers it. */
export interface RedemptionResult {
  redemptionId: string;
  decisionId: string;
  memberId: string;
  policy: { id: string; version: number };
  giftId: string;
  quantity: number;
  /** Points per gift, after any lower price a rule gives this member. */
  unitPoints: number;
  points: { redeemed: number; balance: number };
  rules: string[];
  trace: TraceEntry[];
}

type Operation = "recharge" | "redemption";

/**
 * Recharges and redemptions: each one transaction, idempotent on its id like a receipt (the same
 * body again answers what was done; another body under the same id is a conflict).
 */
export class MemberOperationsService {
  constructor(private readonly deps: { db: Db; registry: PolicyRegistry; log: DecisionLog }) {}

  async recharge(memberId: string, request: RechargeRequest, principal: Principal): Promise<{ created: boolean; result: RechargeResult }> {
    return this.once("recharge", request.rechargeId, memberId, request, async (tx, member) => {
      const version = this.deps.registry.inForce(member.programId, parseInstant(request.at));
      const policy = version.compiled.policy;
      const decision = version.compiled.recharge({ member: snapshotOf(member), at: request.at, storeId: request.storeId, amount: request.amount });
      const decisionId = newId("d");
      const cause: Cause = { decisionId, receiptId: null, policyId: policy.id, policyVersion: policy.version, at: request.at };
      const ledger = new MemberLedger(tx, member, policy);
      ledger.addStoredValue(request.amount, cause, "stored_value_recharge");
      if (decision.bonusCredit) ledger.addStoredValue(decision.bonusCredit.amount, { ...cause, rule: decision.bonusCredit.rule }, "stored_value_bonus");
      if (decision.bonusPoints) await ledger.earn(decision.bonusPoints.points, localDayOf(parseInstant(request.at), policy.settings.timezone).date, { ...cause, rule: decision.bonusPoints.rule }, "points_bonus");
      if (decision.plan) ledger.change("plan", decision.plan.plan, { ...cause, rule: decision.plan.rule });
      const after = await ledger.flush();
      await this.deps.log.write(tx, { id: decisionId, kind: "recharge", policyId: policy.id, policyVersion: policy.version, receiptId: null, memberId, keyId: principal.keyId, input: { memberId, ...request }, result: { decisionId, ...decision } });
      const { bonusPoints, bonusCredit, plan, trace } = decision;
      const result: RechargeResult = {
        rechargeId: request.rechargeId,
        decisionId,
        memberId,
        policy: { id: policy.id, version: policy.version },
        amount: request.amount,
        bonusPoints,
        bonusCredit,
        plan,
        storedValue: { balance: after.storedValue, plan: after.plan },
        points: { balance: after.pointsBalance },
        trace,
      };
      return { decisionId, result };
    });
  }

  /** Redeems points for gifts of the member's program, oldest points first; refused (422, nothing written) when the balance is short. */
  async redeem(memberId: string, request: RedemptionRequest, principal: Principal): Promise<{ created: boolean; result: RedemptionResult }> {
    return this.once("redemption", request.redemptionId, memberId, request, async (tx, member) => {
      const version = this.deps.registry.inForce(member.programId, parseInstant(request.at));
      const policy = version.compiled.policy;
      const priced = version.compiled.redeem({ member: snapshotOf(member), at: request.at, storeId: request.storeId, giftId: request.giftId, pointsBalance: member.pointsBalance });
      if (!priced.accepted && priced.points === null) throw new ApiError("unprocessable", priced.reason, [{ path: "/giftId", message: priced.reason }]);
      const total = priced.points! * request.quantity;
      if (total > member.pointsBalance) {
        const shortfall = total - member.pointsBalance;
        throw new ApiError("unprocessable", `the balance of ${member.pointsBalance} points is ${shortfall} short of ${total}`, undefined, { shortfall, points: total, balance: member.pointsBalance });
      }
      const decisionId = newId("d");
      const ledger = new MemberLedger(tx, member, policy);
      await ledger.take(total, { decisionId, receiptId: null, policyId: policy.id, policyVersion: policy.version, rule: priced.rules[0] ?? null, at: request.at }, "points_redeemed");
      const after = await ledger.flush();
      const result: RedemptionResult = {
        redemptionId: request.redemptionId,
        decisionId,
        memberId,
        policy: { id: policy.id, version: policy.version },
        giftId: request.giftId,
        quantity: request.quantity,
        unitPoints: priced.points!,
        points: { redeemed: total, balance: after.pointsBalance },
        rules: priced.rules,
        trace: priced.trace,
      };
      await this.deps.log.write(tx, { id: decisionId, kind: "redemption", policyId: policy.id, policyVersion: policy.version, receiptId: null, memberId, keyId: principal.keyId, input: { memberId, ...request }, result });
      return { decisionId, result };
    });
  }

  /** The gift catalog of the member's program with this member's price for each gift and whether the balance covers it. */
  async gifts(memberId: string, at: string) {
    const [member] = await this.deps.db.select().from(members).where(eq(members.id, memberId)).limit(1);
    if (!member) throw new ApiError("not_found", `no member "${memberId}"`);
    const version = this.deps.registry.inForce(member.programId, parseInstant(at));
    const snapshot = snapshotOf(member);
    return version.compiled.policy.gifts.map((gift) => {
      const priced = version.compiled.redeem({ member: snapshot, at, storeId: member.storeId, giftId: gift.id, pointsBalance: member.pointsBalance });
      return { id: gift.id, name: gift.name, catalogPoints: gift.points, points: priced.points ?? gift.points, affordable: priced.accepted, rules: priced.rules };
    });
  }

  /**
   * Runs an operation once per id: a stored operation with the same body answers again as it
   * did; with another body it is a conflict. The member's row is locked first, so operations on
   * one member queue up.
   */
  private async once<R>(kind: Operation, id: string, memberId: string, request: object, run: (tx: Tx, member: MemberRow) => Promise<{ decisionId: string; result: R }>): Promise<{ created: boolean; result: R }> {
    const bodyHash = sha256(canonicalJson({ kind, memberId, ...request }));
    const replay = async (db: Db | Tx) => {
      const [existing] = await db.select().from(memberOperations).where(eq(memberOperations.id, id)).limit(1);
      if (!existing) return null;
      if (existing.bodyHash !== bodyHash) throw new ApiError("conflict", `${kind} "${id}" was already made with a different body`);
      return { created: false, result: existing.result as R };
    };
    try {
      return await this.deps.db.transaction(async (tx) => {
        const member = await lockMember(tx, memberId);
        const done = await replay(tx);
        if (done) return done;
        if (member.status === "cancelled") throw new ApiError("unprocessable", `member "${memberId}" is cancelled`);
        const { decisionId, result } = await run(tx, member);
        await tx.insert(memberOperations).values({ id, kind, memberId, bodyHash, decisionId, result });
        return { created: true, result };
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const done = await replay(this.deps.db);
      if (!done) throw error;
      return done;
    }
  }
}
