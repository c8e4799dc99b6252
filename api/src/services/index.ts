import { KeyStore } from "../auth";
import { AuditTrail } from "./audit";
import { ChangeFeed } from "./changes";
import type { Db } from "../db/client";
import { DecisionLog } from "./decision-log";
import { LifecycleService } from "./lifecycle";
import { MemberOperationsService } from "./member-operations";
import { MembersService } from "./members";
import { PolicyRegistry } from "./policies";
import { SalesService } from "./sales";
import { SimulationsService } from "./simulations";
import { VersionsService } from "./versions";

/** Everything the routes use, built once from the database and the settings. */
export interface Services {
  db: Db;
  keys: KeyStore;
  registry: PolicyRegistry;
  log: DecisionLog;
  sales: SalesService;
  members: MembersService;
  operations: MemberOperationsService;
  lifecycle: LifecycleService;
  audit: AuditTrail;
  versions: VersionsService;
  simulations: SimulationsService;
  /** Changes other processes make; `changes.follow(database)` starts hearing them. */
  changes: ChangeFeed;
  now: () => Date;
}

/** Options of the services: the default program, the clock and where errors are reported. */
export interface ServiceOptions {
  defaultProgram: string;
  now?: () => Date;
  onError?: (error: unknown) => void;
}

/** Builds the services; call `registry.reload()` once policies are seeded. */
export function createServices(db: Db, options: ServiceOptions): Services {
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? (() => {});
  const registry = new PolicyRegistry(db);
  const log = new DecisionLog(db, onError);
  const audit = new AuditTrail(db, now);
  const keys = new KeyStore(db);
  const changes = new ChangeFeed();
  changes.on("policies", () => registry.refresh(onError));
  changes.on("keys", () => keys.forget());
  changes.onResync(() => {
    registry.refresh(onError);
    keys.forget();
  });
  return {
    db,
    keys,
    registry,
    log,
    sales: new SalesService({ db, registry, log, defaultProgram: options.defaultProgram }),
    members: new MembersService({ db, registry, log, now }),
    operations: new MemberOperationsService({ db, registry, log }),
    lifecycle: new LifecycleService({ db, registry, log }),
    audit,
    versions: new VersionsService({ db, registry, audit, now }),
    simulations: new SimulationsService({ db, registry, changes, now, onError: options.onError }),
    changes,
    now,
  };
}
