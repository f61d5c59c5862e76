/**
 * Child process for audit-ledger-processes.test.ts: opens the store on the SQLite file given as argv[2], waits
 * until the epoch ms in argv[4], then claims scheduled times 0..argv[5]-1 as instance
 * argv[3], printing the ones it won as a JSON array.
 */
import { StoreAuditRunLedger } from '../../src/audit/audit-run-ledger.ts';
import { openStore } from '../../src/store/open-store.ts';

const [file, instanceId, startAt, count] = process.argv.slice(2);
const store = await openStore(`file:${file!}`);
const ledger = new StoreAuditRunLedger(store.audit);
while (Date.now() < Number(startAt)) {
  // spin until the shared start time so both processes claim at the same moment
}
const won: number[] = [];
for (let i = 0; i < Number(count); i++) {
  if (await ledger.claimRun(new Date(Date.UTC(2027, 0, 1) + i * 60_000), instanceId!)) won.push(i);
}
await store.close();
process.stdout.write(JSON.stringify(won));
