# cli_package.sh - --package=FILE.tgz (sourced by tests/cli.sh: $bin, $root,
# $tmp, $shared, ok, bad).  The package is built here from the committed
# JSON of tests/fixtures/packages/custom: a Patient profile requiring
# birthDate, a required and an extensible binding, a constraint (tp-1) and a
# memberOf() constraint over the package's own value set (tp-2).
(cd "$root/tests/fixtures/packages/custom" && tar czf "$tmp/custom.tgz" package)
tp='"profile":["http://example.org/fhir/StructureDefinition/test-patient"]'
ms='"system":"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"'
printf '%s\n' \
  '{"resourceType":"Patient","id":"ok","meta":{'"$tp"'},"name":[{"family":"X"}],"gender":"female","birthDate":"1970-01-01","maritalStatus":{"coding":[{'"$ms"',"code":"M"}]}}' \
  > "$tmp/pk-ok.ndjson"
printf '%s\n' \
  '{"resourceType":"Patient","id":"bad","meta":{'"$tp"'},"name":[{"given":["A"]}],"gender":"other","maritalStatus":{"coding":[{'"$ms"',"code":"W"}]}}' \
  > "$tmp/pk-bad.ndjson"

"$bin/s4s-normalize" --quiet --package="$tmp/custom.tgz" --report="$tmp/pk.rep" --stats="$tmp/pk.st" \
    "$tmp/pk-ok.ndjson" > /dev/null 2>&1
st=$?
if [ $st = 0 ] && [ ! -s "$tmp/pk.rep" ] &&
   grep -q '"http://example.org/fhir/StructureDefinition/test-patient":{"resources":1,"errors":0,"warnings":0}' "$tmp/pk.st"
then ok; else bad "--package: a valid resource (status $st): $(head -c 300 "$tmp/pk.rep")"; fi

"$bin/s4s-normalize" --quiet --package="$tmp/custom.tgz" --report="$tmp/pk.rep" "$tmp/pk-bad.ndjson" > /dev/null 2>&1
st=$?
n=0
for want in '"error","code":"required".*Patient.birthDate is required (min 1), found 0.*\[test-patient\]' \
            "\"error\",\"code\":\"code-invalid\".*code 'other' of Patient.gender is not in the required value set http://example.org/fhir/ValueSet/test-gender" \
            '"error","code":"invariant".*constraint tp-1 on Patient.name failed.*"expression":\["Patient.name\[0\]"\]' \
            '"warning","code":"invariant".*constraint tp-2 on Patient failed' \
            '"warning","code":"code-invalid".*no code of Patient.maritalStatus is in the extensible value set http://example.org/fhir/ValueSet/test-marital'; do
    grep -q "$want" "$tmp/pk.rep" && n=$((n + 1))
done
if [ $st = 3 ] && [ $n = 5 ]; then ok; else bad "--package: an invalid resource (status $st, $n of 5 issues): $(head -c 600 "$tmp/pk.rep")"; fi

# not named in meta.profile: a package profile is not applied; with
# --profile=us-core the built-in profile still applies beside the package's
printf '%s\n' '{"resourceType":"Patient","id":"n","gender":"other"}' \
  '{"resourceType":"Patient","id":"u","meta":{'"$tp"'},"name":[{"family":"X"}],"gender":"female"}' > "$tmp/pk-u.ndjson"
"$bin/s4s-normalize" --quiet --package="$tmp/custom.tgz" --profile=us-core --report="$tmp/pk.rep" "$tmp/pk-u.ndjson" > /dev/null 2>&1
if ! grep '"Patient/n' "$tmp/pk.rep" | grep -q 'test-patient' &&
   grep '"Patient/u' "$tmp/pk.rep" | grep -q 'Patient.birthDate is required.*\[test-patient\]' &&
   grep '"Patient/u' "$tmp/pk.rep" | grep -q 'Patient.identifier is required.*\[us-core-patient\]'
then ok; else bad "--package with --profile=us-core: $(head -c 600 "$tmp/pk.rep")"; fi

# bad packages stop the run before any input: exit 2, the file and member named
head -c 600 "$tmp/custom.tgz" > "$tmp/cut.tgz"
printf 'not a tarball at all\n' > "$tmp/text.tgz"
for f in cut text nope; do
    "$bin/s4s-normalize" --quiet --package="$tmp/$f.tgz" "$tmp/pk-ok.ndjson" > "$tmp/pk.out" 2> "$tmp/err"
    st=$?
    if [ $st = 2 ] && [ ! -s "$tmp/pk.out" ] && grep -q -- "--package $tmp/$f.tgz: " "$tmp/err" &&
       { [ $f = nope ] || grep -q 'member' "$tmp/err"; }
    then ok; else bad "--package $f.tgz: status $st, $(head -c 300 "$tmp/err")"; fi
done

# the US Core 3.1.1 package loaded at run time checks as the built-in tables do
uscore="$shared/sources/us-core/hl7.fhir.us.core-3.1.1.tgz"
if [ -f "$uscore" ]; then
    printf '%s\n' \
      '{"resourceType":"Patient","id":"p","meta":{"profile":["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]},"extension":[{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-race","extension":[{"url":"ombCategory","valueCoding":{"system":"urn:oid:2.16.840.1.113883.6.238","code":"2135-2"}}]}],"gender":"female"}' \
      '{"resourceType":"Condition","id":"c","meta":{"profile":["http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition"]},"subject":{"reference":"Patient/p"},"code":{"text":"x"}}' \
      > "$tmp/pk-us.ndjson"
    "$bin/s4s-normalize" --quiet --report="$tmp/pk1.rep" "$tmp/pk-us.ndjson" > /dev/null 2>&1
    "$bin/s4s-normalize" --quiet --package="$uscore" --report="$tmp/pk2.rep" "$tmp/pk-us.ndjson" > /dev/null 2>&1
    if [ -s "$tmp/pk1.rep" ] && cmp -s "$tmp/pk1.rep" "$tmp/pk2.rep"; then ok
    else bad "US Core as a package differs from the built-in tables: $(diff "$tmp/pk1.rep" "$tmp/pk2.rep" | head -c 600)"; fi
fi
