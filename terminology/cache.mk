# terminology/cache.mk - the embedded default terminology cache (included by
# the Makefile).  Defines EMBED_OBJ: an object holding s4s_default_db[] and
# s4s_default_db_len, built at make time from the committed tables in
# terminology/data/ (never from ../shared, never with python):
#   1. $(BUILD)/s4s-term-boot = s4s-term linked with an empty embedded cache;
#   2. it runs `build` over terminology/data/*  ->  $(BUILD)/default.db;
#   3. terminology/embed/default_db.S .incbin's that file.
# cache.mk is included before `all:`; keep `all` the default goal
.DEFAULT_GOAL := all

TERM_DATA := $(sort $(wildcard terminology/data/*.tsv terminology/data/*.tsv.gz))
# systems are named by their key in the code-system table (terminology/systems.c)
TERM_BOOT := $(BUILD)/s4s-term-boot
TERM_DB   := $(BUILD)/default.db
EMBED_OBJ := $(BUILD)/terminology/embed/default_db.o

# import_db.c assembles schema.sql into the library (.incbin)
$(BUILD)/terminology/import_db.o: terminology/schema.sql

$(BUILD)/terminology/embed/empty_db.o: terminology/embed/empty_db.c terminology/embedded.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(TERM_BOOT): $(BUILD)/filter/term_main.o $(BUILD)/terminology/embed/empty_db.o $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(TERM_DB): $(TERM_BOOT) $(TERM_DATA)
	$(TERM_BOOT) build --out $@ \
	  --tsv loinc=terminology/data/loinc.tsv.gz \
	  --tsv cvx=terminology/data/cvx.tsv \
	  --tsv rxnorm=terminology/data/rxnorm.tsv \
	  --tsv hgnc=terminology/data/hgnc.tsv.gz \
	  --tsv terminology/data/fhir.tsv.gz \
	  --genes terminology/data/genes.tsv.gz \
	  --refseq terminology/data/refseq.tsv.gz

$(EMBED_OBJ): terminology/embed/default_db.S $(TERM_DB)
	@mkdir -p $(dir $@)
	$(CC) -c -DDB_PATH='"$(TERM_DB)"' $< -o $@
