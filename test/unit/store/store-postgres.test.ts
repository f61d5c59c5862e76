/** The store contract on PostgreSQL (TEST_DATABASE_URL); each test gets its own database. */
import { describe } from 'vitest';
import { postgresForTests, tempPostgresDatabase } from '../../helpers/temp-postgres.ts';
import { storeContract } from './store-contract.ts';

const available = await postgresForTests();

describe.skipIf(!available)('store on PostgreSQL', () => {
  storeContract(tempPostgresDatabase);
});
