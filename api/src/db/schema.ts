import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, integer, json, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

const money = (name: string) => bigint(name, { mode: "number" });
const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "string" }).notNull().default(sql`now()`);

/** API keys, stored only as a SHA-256 hash of the key shown once at creation. */
export const apiKeys = pgTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  role: text("role").notNull(),
  keyHash: text("key_hash").notNull().unique(),
  createdAt: createdAt(),
  revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "string" }),
});

/** Every version of every program's policy; published versions are immutable and carry a content hash. */
export const policyVersions = pgTable(
  "policy_versions",
  {
    id: text("id").primaryKey(),
    programId: text("program_id").notNull(),
    version: integer("version").notNull(),
    status: text("status").notNull(),
    document: jsonb("document").notNull(),
    /** The exact text the version is exported as: an imported file's bytes, or the canonical JSON of an edit. */
    source: text("source").notNull().default(""),
    /** The version's cases, run by validation before it can be submitted or published. */
    cases: jsonb("cases").notNull().default([]),
    contentHash: text("content_hash").notNull(),
    basedOn: integer("based_on"),
    submittedBy: text("submitted_by"),
    effectiveFrom: timestamp("effective_from", { withTimezone: true, mode: "string" }),
    effectiveTo: timestamp("effective_to", { withTimezone: true, mode: "string" }),
    createdBy: text("created_by").notNull(),
    approvedBy: text("approved_by"),
    publishedBy: text("published_by"),
    createdAt: createdAt(),
    publishedAt: timestamp("published_at", { withTimezone: true, mode: "string" }),
  },
  (t) => [uniqueIndex("policy_versions_program_version").on(t.programId, t.version)],
);

/** Members and their balances; balances are a cache of the ledger, kept in the same transaction. */
export const members = pgTable("members", {
  id: text("id").primaryKey(),
  programId: text("program_id").notNull(),
  tier: text("tier").notNull(),
  status: text("status").notNull().default("active"),
  supreme: boolean("supreme").notNull().default(false),
  issuedOn: text("issued_on").notNull(),
  cycleStart: text("cycle_start").notNull(),
  cycleSpend: money("cycle_spend").notNull().default(0),
  pointsBalance: money("points_balance").notNull().default(0),
  pointsDebt: money("points_debt").notNull().default(0),
  parkingHours: integer("parking_hours").notNull().default(0),
  profile: jsonb("profile").notNull(),
  storeId: text("store_id").notNull(),
  enrolledAt: timestamp("enrolled_at", { withTimezone: true, mode: "string" }).notNull(),
  lastQualifyingOn: text("last_qualifying_on"),
  /** The stored-value plan the last plan-setting recharge chose. */
  plan: text("plan"),
  /** The member who referred this one. */
  referredBy: text("referred_by"),
  /** Stored value (prepaid money and bonus credit) not yet spent, in fen. */
  storedValue: money("stored_value").notNull().default(0),
  createdAt: createdAt(),
});

/** Committed receipts (sales and returns) with the decision that priced them. */
export const receipts = pgTable(
  "receipts",
  {
    receiptId: text("receipt_id").primaryKey(),
    type: text("type").notNull(),
    originalReceiptId: text("original_receipt_id"),
    memberId: text("member_id"),
    storeId: text("store_id").notNull(),
    at: timestamp("at", { withTimezone: true, mode: "string" }).notNull(),
    localDate: text("local_date").notNull(),
    body: jsonb("body").notNull(),
    bodyHash: text("body_hash").notNull(),
    decisionId: text("decision_id").notNull(),
    policyId: text("policy_id").notNull(),
    policyVersion: integer("policy_version").notNull(),
    payable: money("payable").notNull(),
    qualifyingSpend: money("qualifying_spend").notNull(),
    pointsEarned: money("points_earned").notNull(),
    cycleStart: text("cycle_start"),
    claimedBy: text("claimed_by"),
    claimDecisionId: text("claim_decision_id"),
    evidenceFor: text("evidence_for"),
    createdAt: createdAt(),
  },
  (t) => [
    index("receipts_member_day").on(t.memberId, t.storeId, t.localDate),
    index("receipts_claimed_day").on(t.claimedBy, t.storeId, t.localDate),
    index("receipts_original").on(t.originalReceiptId),
  ],
);

/** The decision log: every quote, commit, return, claim and enrolment, with its input and result. */
export const decisions = pgTable(
  "decisions",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    policyId: text("policy_id").notNull(),
    policyVersion: integer("policy_version").notNull(),
    receiptId: text("receipt_id"),
    memberId: text("member_id"),
    keyId: text("key_id"),
    // json, not jsonb: the log is written on every quote and read back whole, never queried inside,
    // and PostgreSQL stores json as its text, at about half the CPU of converting it to jsonb.
    input: json("input").notNull(),
    result: json("result").notNull(),
    /**
     * For sale quotes and sale commits: what the engine saw besides the receipt (member snapshot,
     * same-day total), so that the trace, left out of the stored result, is re-derived exactly on reading.
     */
    context: json("context"),
    createdAt: createdAt(),
  },
  (t) => [index("decisions_receipt").on(t.receiptId), index("decisions_member").on(t.memberId)],
);

/** The append-only member ledger: points, qualifying spend and parking hours, each naming its cause. */
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    memberId: text("member_id").notNull(),
    kind: text("kind").notNull(),
    points: money("points").notNull().default(0),
    debt: money("debt").notNull().default(0),
    spend: money("spend").notNull().default(0),
    parkingHours: integer("parking_hours").notNull().default(0),
    /** Stored value added (recharge, bonus credit, refund) or spent, in fen. */
    storedValue: money("stored_value").notNull().default(0),
    /** For changes that are not amounts (status, supreme club): what changed, e.g. {"from": "active", "to": "dormant"}. */
    detail: jsonb("detail"),
    cycleStart: text("cycle_start"),
    lotId: bigint("lot_id", { mode: "number" }),
    decisionId: text("decision_id"),
    receiptId: text("receipt_id"),
    policyId: text("policy_id").notNull(),
    policyVersion: integer("policy_version").notNull(),
    rule: text("rule"),
    at: timestamp("at", { withTimezone: true, mode: "string" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("ledger_member").on(t.memberId, t.id)],
);

/** Points lots: what was earned when, what remains and when it expires; spent oldest first. */
export const pointLots = pgTable(
  "point_lots",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    memberId: text("member_id").notNull(),
    earnedOn: text("earned_on").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "string" }).notNull(),
    points: money("points").notNull(),
    remaining: money("remaining").notNull(),
    receiptId: text("receipt_id"),
    decisionId: text("decision_id"),
  },
  (t) => [index("point_lots_member").on(t.memberId, t.expiresAt), index("point_lots_expiry").on(t.expiresAt)],
);

/**
 * Lifecycle steps done per member and period (a year end per calendar year, a status change per
 * day): a step found here is not done again, which makes runs idempotent and resumable.
 */
export const lifecycleSteps = pgTable(
  "lifecycle_steps",
  {
    memberId: text("member_id").notNull(),
    step: text("step").notNull(),
    period: text("period").notNull(),
    decisionId: text("decision_id").notNull(),
    asOf: timestamp("as_of", { withTimezone: true, mode: "string" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.step, t.period] })],
);

/** Stored-value recharges and gift redemptions, idempotent on their ids like receipts. */
export const memberOperations = pgTable(
  "member_operations",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    memberId: text("member_id").notNull(),
    bodyHash: text("body_hash").notNull(),
    decisionId: text("decision_id").notNull(),
    result: jsonb("result").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("member_operations_member").on(t.memberId)],
);

/** Lifecycle runs, one per `asOf`, with what they changed. */
export const lifecycleRuns = pgTable("lifecycle_runs", {
  asOf: timestamp("as_of", { withTimezone: true, mode: "string" }).primaryKey(),
  result: jsonb("result").notNull(),
  keyId: text("key_id"),
  createdAt: createdAt(),
});

/** The append-only audit trail of policy and key changes. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true, mode: "string" }).notNull(),
    actorKeyId: text("actor_key_id").notNull(),
    actorName: text("actor_name").notNull(),
    actorRole: text("actor_role").notNull(),
    action: text("action").notNull(),
    programId: text("program_id"),
    version: integer("version"),
    beforeHash: text("before_hash"),
    afterHash: text("after_hash"),
    detail: jsonb("detail").notNull(),
  },
  (t) => [index("audit_events_program").on(t.programId, t.id), index("audit_events_actor").on(t.actorName, t.id)],
);

/** Simulation jobs: what was asked, how far the replay got, and what it found. */
export const simulations = pgTable(
  "simulations",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    programId: text("program_id").notNull(),
    draftVersion: integer("draft_version").notNull(),
    baselineVersion: integer("baseline_version"),
    source: text("source").notNull(),
    params: jsonb("params").notNull(),
    status: text("status").notNull(),
    progress: jsonb("progress").notNull().default({}),
    result: jsonb("result"),
    error: text("error"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "string" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "string" }),
  },
  (t) => [index("simulations_created").on(t.createdAt)],
);
