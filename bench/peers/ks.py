"""scipy.stats.ks_2samp on the two .npy arrays the bench wrote (load excluded).

Usage: ks.py REFERENCE_NPY CURRENT_NPY REPEAT
Prints {"scipy-ks_2samp": {"seconds", "statistic", "pvalue", "version"}} or an error.
"""

import sys

from common import emit, failure, median_seconds


def main():
    reference_path, current_path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        import numpy as np
        import scipy
        from scipy.stats import ks_2samp

        reference = np.load(reference_path)
        current = np.load(current_path)
        seconds, result = median_seconds(lambda: ks_2samp(reference, current), repeat)
        out = {
            "seconds": seconds,
            "statistic": float(result.statistic),
            "pvalue": float(result.pvalue),
            "version": scipy.__version__,
        }
    except Exception as err:
        out = failure(err)
    emit({"scipy-ks_2samp": out})


if __name__ == "__main__":
    main()
