"""The test harness's state: tenants, snapshots, journal, faults. All of it in the database."""
