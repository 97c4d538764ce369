# Executes a notebook in place of a reader (nbclient), from the folder given, failing on the first
# cell that raises; prints how long it took.
import nbformat, nbclient, sys, time
nb = nbformat.read(sys.argv[1], as_version=4)
t = time.perf_counter()
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print(f"notebook executed: {len(nb.cells)} cells in {time.perf_counter() - t:.1f} s")
