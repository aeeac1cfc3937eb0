// Package store keeps everything govaudit knows in one bbolt file: crawl
// runs, fetched pages, column items, mailbox letters, the latest state of
// every crawled source, findings (draft deductions) and the audit trail of
// every decision. The evidence snapshots (page bodies) and article texts
// are in append-only pack files beside it (PackDir; packs.go), indexed
// from the file.
//
// It is the only package of govaudit that imports go.etcd.io/bbolt; every
// other package uses the typed methods of [Store]. Values are JSON
// (encoding/json), keys are strings unless noted; items and pages, the
// records every check and every incremental crawl reads, are in a compact
// binary layout (codec.go: encodeItem/decodeItem, encodePage/decodePage).
//
// Buckets:
//
//	meta        "schema" -> schema version (decimal)
//	runs        big-endian uint64 run id -> Run
//	run-kinds   kind \x00 big-endian id -> nil (index for Runs/LastRun)
//	pages       URL -> Page (binary)
//	blobs       's' SnapshotHash -> where the gzip-compressed UTF-8 HTML
//	            is in the packs; 't' SnapshotHash -> where the article text
//	            is (pack, offset, length, CRC-32C; packs.go)
//	snapshots   SnapshotHash -> gzip-compressed UTF-8 HTML, in stores
//	            written before the packs and in backups (read, no longer
//	            written)
//	texts       the same for article texts
//	items       URL -> Item (binary)
//	col-items   column \x00 URL -> nil (index for ItemsOfColumn)
//	letters     URL -> Letter
//	sources     source key ("column:<id>" …) -> SourceState
//	findings    finding id -> Finding
//	rule-findings  rule \x00 finding id -> nil (index for SyncFindings)
//	finding-seen   finding id -> big-endian Unix nanoseconds: when a check
//	            last found it unchanged (its LastSeen, when later than the
//	            record's; a sync does not rewrite unchanged findings)
//	finding-stages  stage token -> bucket of finding id -> nil: the
//	            findings a sync has stored but not yet made visible
//	            (stage.go)
//	events      subject \x00 big-endian seq -> Event (History is a prefix scan)
//	adjustments, digests, probes, sessions: see the files of those names
//
// Files of this package that need a bucket of their own add its name to
// bucketNames (buckets.go) and use the helpers there (getJSON, putJSON,
// eachJSON, listJSON, getOne, deleteKey, nextSeq) and addEvent (events.go)
// inside s.view / s.update. Writes to the findings bucket go through
// s.updateFindings only, which keeps the in-memory findings list in step;
// the one exception is a sync's staged findings (stage.go), which no
// reader sees until the commit that drops the list.
//
// The schema version in meta is checked at Open: a newer file is refused,
// an older one is migrated in the Open transaction by the table in
// migrations (store.go). Version 2 moved items and pages from JSON to the
// binary layout.
//
// The free-page list is written at each commit (bbolt's NoFreelistSync is
// off): otherwise every read-write open rebuilds it by walking every page
// of the file, which maps the whole file into the process's memory.
//
// Every change that touches several records (a crawl batch, a findings
// sync, a decision with its event) is one bbolt transaction, so a crash
// leaves either all of it or none of it.
package store
