package postgres

// MigratedAtOpen returns the migrations Open applied.
func (db *DB) MigratedAtOpen() []string { return db.migrated }
