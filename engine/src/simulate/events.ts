import type { ReturnedLine } from "../effects/returns";
import type { Receipt } from "../receipt";

/**
 * A sale of the history. `customerId` names the customer when the history knows one (a member
 * id, a loyalty-card number, a web shop's customer id); whether the customer is a member when
 * the sale happens is for the replay to decide, per version, under its enrolment rule.
 */
export interface SaleEvent {
  kind: "sale";
  receipt: Receipt;
  customerId: string | null;
  /** Recorded history only: the sale was committed anonymously and later used as enrolment evidence by `customerId`. */
  evidence?: boolean;
  /**
   * Units that returns count against, per line, when they differ from the line quantities the
   * engine prices (an imported invoice priced as one basket line of quantity 1 still returns by unit).
   */
  units?: readonly number[];
}

/** A return of lines of an earlier sale, by quantity, as the POS contract's return receipts give them. */
export interface ReturnEvent {
  kind: "return";
  receiptId: string;
  originalReceiptId: string;
  /** The customer of the original sale (whose records hold it); null for an anonymous sale. */
  customerId: string | null;
  storeId: string;
  at: string;
  lines: readonly ReturnedLine[];
}

/** Recorded history only: an enrolment at the service desk with the given evidence receipts. */
export interface EnrolEvent {
  kind: "enrol";
  customerId: string;
  storeId: string;
  at: string;
  /** The evidence; when absent, every sale of the customer marked as evidence and not yet used. */
  evidenceReceiptIds?: readonly string[];
  profile?: { student: boolean; studentOfficer: boolean };
}

/** Recorded history only: an anonymous sale attached to a member for points on its store-day. */
export interface ClaimEvent {
  kind: "claim";
  /** The claimed sale as it was committed (anonymous). */
  receipt: Receipt;
  customerId: string;
  at: string;
}

/**
 * A member that exists before the history starts (an opening balance): the same in every
 * version, whatever entry rules a draft has, with no points and the given cycle spend.
 */
export interface OpenEvent {
  kind: "open";
  customerId: string;
  tier: string;
  issuedOn: string;
  at: string;
  cycleStart?: string;
  cycleSpend?: number;
  storeId?: string;
}

/** One event of a history, in time order. */
export type HistoryEvent = SaleEvent | ReturnEvent | EnrolEvent | ClaimEvent | OpenEvent;

/** The instant of an event, as written in it. */
export function eventAt(event: HistoryEvent): string {
  return event.kind === "sale" ? event.receipt.at : event.kind === "claim" ? event.at : event.at;
}
