/* Type-generic body of smx_check.c (csrc/README.md, "Templates"): its
 * SMX_REAL_BODY part (IDX undefined: the finiteness scan, once per REAL) and
 * its SMX_INDEX_BODY part (IDX defined, no REAL: the CSR structure, once per
 * index type). */

#ifndef IDX

/* 1 if x[0:size] holds a non-finite value (branch-free: vectorised). */
SMX_CLONES static int SMX_FN(smx_nonfinite_chunk)(const REAL *x, smx_int size)
{
    int bad = 0;
    for (smx_int j = 0; j < size; j++)
        bad |= SMX_FN(smx_nonfinite_bits)(x + j);
    return bad;
}

smx_int SMX_FN(smx_first_nonfinite)(const REAL *x, smx_int size, int n_threads)
{
    if (size <= 0)
        return -1;
    const smx_int nc = smx_n_blocks(size, SMX_CHECK_CHUNK_ELEMS);
    const int nt = smx_clamp_threads(n_threads, nc);
    smx_int first = nc; /* the first chunk holding a non-finite value */
#pragma omp parallel for num_threads(nt) schedule(static) reduction(min : first)
    for (smx_int c = 0; c < nc; c++) {
        const smx_int j0 = c * SMX_CHECK_CHUNK_ELEMS;
        const smx_int len = smx_block_len(size, SMX_CHECK_CHUNK_ELEMS, j0);
        if (SMX_FN(smx_nonfinite_chunk)(x + j0, len) && c < first)
            first = c;
    }
    if (first == nc)
        return -1;
    for (smx_int j = first * SMX_CHECK_CHUNK_ELEMS; j < size; j++)
        if (SMX_FN(smx_nonfinite_bits)(x + j))
            return j;
    return -1; /* not reached */
}

#else /* IDX: the CSR structure */

/* Rows [r0, r1) of a CSR matrix: 1 if their structure is broken (indptr out
 * of order or outside [0, nnz], or an index outside [0, d)), else 0 with
 * *desc the number of adjacent entries of one row that are not strictly
 * increasing (unsorted or duplicate columns). */
SMX_CLONES static int SMX_IDX_FN(smx_csr_chunk)(const IDX *indices, const IDX *indptr,
                                                smx_int r0, smx_int r1, smx_int d,
                                                smx_int nnz, smx_int *desc)
{
    const smx_int lo = indptr[r0], hi = indptr[r1];
    if (lo < 0 || hi > nnz || hi < lo)
        return 1;
    int bad = 0;
    for (smx_int i = r0; i < r1; i++)
        bad |= indptr[i + 1] < indptr[i];
    if (bad)
        return 1;
    /* lo <= indptr[i] <= hi for every row of the chunk: the reads below stay
     * in [lo, hi), inside [0, nnz).  As unsigned numbers negative indices
     * are the largest, so one maximum tests both ends of [0, d). */
    if (hi == lo)
        return 0;
    UIDX top = (UIDX)indices[lo];
    smx_int count = 0;
    for (smx_int j = lo + 1; j < hi; j++) {
        const UIDX u = (UIDX)indices[j];
        top = u > top ? u : top;
        count += indices[j] <= indices[j - 1];
    }
    if ((uint64_t)top >= (uint64_t)d)
        return 1;
    /* pairs across a row boundary are not pairs of one row */
    smx_int last = lo;
    for (smx_int i = r0 + 1; i < r1; i++) {
        const smx_int s = indptr[i];
        if (s != last && s < hi) {
            count -= indices[s] <= indices[s - 1];
            last = s;
        }
    }
    *desc = count;
    return 0;
}

int SMX_IDX_FN(smx_check_csr)(const IDX *indices, const IDX *indptr, smx_int n, smx_int d,
                              smx_int nnz, int n_threads, smx_int *where, int *canonical)
{
    *where = -1;
    *canonical = 1;
    if (n <= 0)
        return SMX_CSR_VALID;
    const smx_int nc = smx_n_blocks(n, SMX_CHECK_CHUNK_ROWS);
    const int nt = smx_clamp_threads(n_threads, nc);
    smx_int first = nc, noncanon = 0;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 4) reduction(min : first) \
    reduction(+ : noncanon)
    for (smx_int c = 0; c < nc; c++) {
        const smx_int r0 = c * SMX_CHECK_CHUNK_ROWS;
        const smx_int r1 = r0 + smx_block_len(n, SMX_CHECK_CHUNK_ROWS, r0);
        smx_int desc = 0;
        if (SMX_IDX_FN(smx_csr_chunk)(indices, indptr, r0, r1, d, nnz, &desc)) {
            if (c < first)
                first = c;
        } else {
            noncanon += desc;
        }
    }
    *canonical = noncanon == 0;
    if (first == nc)
        return SMX_CSR_VALID;
    /* Every chunk before `first` is sound, so the first row of chunk `first`
     * starts inside [0, nnz]: walk its rows in order to name the problem. */
    const uint64_t ud = (uint64_t)d;
    for (smx_int i = first * SMX_CHECK_CHUNK_ROWS; i < n; i++) {
        const smx_int s = indptr[i], e = indptr[i + 1];
        if (e < s || e > nnz) {
            *where = i;
            return SMX_CSR_BAD_INDPTR;
        }
        for (smx_int j = s; j < e; j++)
            if ((uint64_t)(int64_t)indices[j] >= ud) {
                *where = j;
                return SMX_CSR_BAD_INDEX;
            }
    }
    return SMX_CSR_BAD_INDPTR; /* not reached */
}

#endif /* IDX */
