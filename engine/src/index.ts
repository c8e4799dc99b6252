/** The policy engine: the only way in for the API, the editor and the benchmarks. */
export * from "./result";
export * from "./money";
export * from "./calendar";
export * from "./receipt";
export * from "./decision";
export * from "./policy/schema";
export { parsePolicy, issuesToDiagnostics } from "./policy/parse";
export { lintPolicy } from "./policy/lint";
export { policyJsonSchema } from "./policy/json-schema";
export { factCatalog, isFactName, type FactName, type FactSpec, type FactType } from "./facts/catalog";
export { isMemberDay, cycleSpendBefore, type SaleInput } from "./facts/gather";
export { operatorNames, decoratorNames } from "./evaluate/operators";
export { compilePolicy, type CompiledPolicy } from "./evaluate/compiled";
export { createReferencePolicy, type ReferencePolicy } from "./evaluate/reference";
export { parkingHoursFor, type ParkingFormula } from "./effects/parking";
export { pointsFor } from "./effects/points";
export type { EnrolmentInput } from "./effects/enrolment";
