# scikit-learn's coordinate-descent NMF on the matrix bench/ml-nmf.ts wrote (CSR as raw arrays),
# timed inside this process (loading excluded). Run with OPENBLAS_NUM_THREADS=1 (one BLAS thread).
import json, sys, time
import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF

spec = json.load(open(sys.argv[1]))
base = spec["prefix"]
indptr = np.fromfile(base + ".indptr", dtype=np.int32)
indices = np.fromfile(base + ".indices", dtype=np.int32)
data = np.fromfile(base + ".values", dtype=np.float64)
X = sp.csr_matrix((data, indices, indptr), shape=(spec["rows"], spec["cols"]))
out = {}
for solver in spec["solvers"]:
    model = NMF(n_components=spec["rank"], solver=solver, init="random", random_state=0,
                max_iter=spec["iterations"], tol=0.0, alpha_W=0.0, alpha_H="same", beta_loss="frobenius")
    t0, c0 = time.perf_counter(), time.process_time()
    W = model.fit_transform(X)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    out[solver] = {"seconds": seconds, "cpuSeconds": cpu, "loss": float(model.reconstruction_err_) ** 2, "iterations": int(model.n_iter_)}
print(json.dumps(out))
