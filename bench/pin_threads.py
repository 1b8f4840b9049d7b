"""``--threads N`` on a benchmark's command line: pin BLAS/OpenMP threads to N.

Import it before numpy and torch (thread pools are sized when they load); it only reads
``sys.argv``, so a benchmark run without ``--threads`` keeps the libraries' defaults.
"""

import os
import sys

if "--threads" in sys.argv:
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n
