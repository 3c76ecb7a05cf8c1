-- schema.sql - the terminology cache (SQLite), written by `s4s-term build`,
-- read by the filter read-only (immutable, mmap).  PRAGMA user_version = 2
-- names this layout; cache.c refuses any other.
--
-- Invariants: one systems row per loaded code system (canonical URI);
-- concepts are unique per (system, code); status is one of the six words
-- below; replaced_by holds the replacement code(s), space-separated, and the
-- look-up API offers it only when there is exactly one.

-- A loaded code system.  complete = 0 marks a sample (e.g. 267 RxNorm names):
-- a code missing from a sample is "not loaded", never "unknown"; so is a code
-- starting with one of the not_covered prefixes (LOINC core: "LA LP LG LL").
CREATE TABLE systems (
    id       INTEGER PRIMARY KEY,
    uri      TEXT NOT NULL UNIQUE,   -- canonical URI, e.g. http://loinc.org
    aliases  TEXT,                   -- other URIs/OIDs, space-separated
    version  TEXT,                   -- release version or date, if known
    source   TEXT,                   -- source file the rows came from
    loaded   TEXT NOT NULL,          -- load date (UTC, ISO 8601)
    licence  TEXT,                   -- licence note shown by `s4s-term info`
    complete INTEGER NOT NULL DEFAULT 1,
    not_covered TEXT                 -- code prefixes outside the table, space-separated
);

-- One code of a system.  unit/property are LOINC's example UCUM unit and
-- property (NULL elsewhere).
CREATE TABLE concepts (
    system      INTEGER NOT NULL REFERENCES systems(id),
    code        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active','trial','discouraged','deprecated','retired',
                                                'inactive')),
    display     TEXT,
    replaced_by TEXT,
    unit        TEXT,
    property    TEXT,
    PRIMARY KEY (system, code)      -- the look-up path
) WITHOUT ROWID;

-- Other names of a code (SNOMED synonyms and FSN; LOINC short name and
-- component; CVX short name; HGNC approved and previous names), used only by
-- the display check.
-- Keyed by the look-up path itself (no rowid, no second index): the names
-- are the largest part of the embedded cache.  A repeated name is kept once.
CREATE TABLE designations (
    system INTEGER NOT NULL,
    code   TEXT NOT NULL,
    term   TEXT NOT NULL,
    PRIMARY KEY (system, code, term)
) WITHOUT ROWID;

-- Gene names: kind 1 = approved symbol, 2 = previous symbol, 3 = alias.
-- hgnc_id is NULL when only a symbol list (not the HGNC release) is loaded.
CREATE TABLE genes (
    name    TEXT NOT NULL,
    kind    INTEGER NOT NULL CHECK (kind IN (1,2,3)),
    symbol  TEXT NOT NULL,
    hgnc_id TEXT
);
CREATE INDEX genes_name ON genes(name);

-- RefSeq accession (no version) -> gene symbol.
CREATE TABLE refseq (
    accession TEXT PRIMARY KEY,
    symbol    TEXT NOT NULL
) WITHOUT ROWID;

PRAGMA user_version = 2;
