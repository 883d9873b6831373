#!/bin/sh
# How src/therabill/edits/data/{ptp,mue}.csv were built for 2026 Q4. The inputs are the rows of
# the CMS practitioner files as kept in github.com/Ttheegela/PriorPath, commit a31f679
# (data/reference/subset/ptp.csv, mue.csv: CMS rows cut to that project's 100 codes, listed in
# its data/reference/codes.txt), saved to $SRC. With the CMS files themselves, pass them as
# --ptp/--mue and drop the cut-copy options (see scripts/build_ncci_subset.py).
SRC=${SRC:-/tmp/ncci-src}
exec .venv/bin/python scripts/build_ncci_subset.py \
  --quarter "2026 Q4 (effective 2026-10-01; the therapy rows are the same in 2026 Q3, effective 2026-07-01)" \
  --ptp "$SRC/ptp.csv" --ptp-ref-version NCCI-2026Q4 --ptp-name "v32.3 (ccipra-v323r0-f1..f4.txt)" \
  --mue "$SRC/mue.csv" --mue-ref-version MUE-2026Q4 \
  --mue-name "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv" \
  --covers "$SRC/codes.txt" \
  --origin "as kept in github.com/Ttheegela/PriorPath data/reference/subset, commit a31f679; published on cms.gov, Medicare NCCI PTP edits and Medically Unlikely Edits pages"
