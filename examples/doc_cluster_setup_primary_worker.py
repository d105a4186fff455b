"""The program that doc_cluster_setup_primary.py runs in its workers (Node's
``worker.js``): it says what it was started with, then leaves.
"""

import os
import sys

import cluster

name = os.path.basename(sys.argv[0])
print(f"I am {name} {' '.join(sys.argv[1:])}, worker #{cluster.worker.id}")
cluster.worker.disconnect()
