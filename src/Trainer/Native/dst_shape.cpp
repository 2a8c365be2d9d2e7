// Views and shape operations.
#include "dst.h"

DST_EXPORT int32_t dst_tensor_view(Tensor* t, const int64_t* dims, int32_t ndim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->view(dst_dims(dims, ndim))))
}

DST_EXPORT int32_t dst_tensor_reshape(Tensor* t, const int64_t* dims, int32_t ndim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->reshape(dst_dims(dims, ndim))))
}

DST_EXPORT int32_t dst_tensor_transpose(Tensor* t, int64_t dim0, int64_t dim1, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->transpose(dim0, dim1)))
}

DST_EXPORT int32_t dst_tensor_permute(Tensor* t, const int64_t* dims, int32_t ndim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->permute(dst_dims(dims, ndim))))
}

DST_EXPORT int32_t dst_tensor_narrow(Tensor* t, int64_t dim, int64_t start, int64_t length, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->narrow(dim, start, length)))
}

DST_EXPORT int32_t dst_tensor_select(Tensor* t, int64_t dim, int64_t index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->select(dim, index)))
}

DST_EXPORT int32_t dst_tensor_expand(Tensor* t, const int64_t* dims, int32_t ndim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->expand(dst_dims(dims, ndim))))
}

DST_EXPORT int32_t dst_tensor_contiguous(Tensor* t, Tensor** out) { DST_CATCH(*out = dst_wrap(t->contiguous())) }

DST_EXPORT int32_t dst_tensor_squeeze(Tensor* t, int64_t dim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->squeeze(dim)))
}

DST_EXPORT int32_t dst_tensor_unsqueeze(Tensor* t, int64_t dim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->unsqueeze(dim)))
}

DST_EXPORT int32_t dst_tensor_flatten(Tensor* t, int64_t start_dim, int64_t end_dim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->flatten(start_dim, end_dim)))
}

DST_EXPORT int32_t dst_tensor_repeat_interleave(Tensor* t, int64_t repeats, int64_t dim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->repeat_interleave(repeats, dim)))
}

DST_EXPORT int32_t dst_tensor_cat(Tensor** ts, int32_t n, int64_t dim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::cat(dst_list(ts, n), dim)))
}

DST_EXPORT int32_t dst_tensor_stack(Tensor** ts, int32_t n, int64_t dim, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::stack(dst_list(ts, n), dim)))
}

DST_EXPORT int32_t dst_tensor_index_select(Tensor* t, int64_t dim, Tensor* index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->index_select(dim, *index)))
}

DST_EXPORT int32_t dst_tensor_gather(Tensor* t, int64_t dim, Tensor* index, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->gather(dim, *index)))
}

DST_EXPORT int32_t dst_tensor_masked_fill(Tensor* t, Tensor* mask, double value, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->masked_fill(*mask, value)))
}

DST_EXPORT int32_t dst_tensor_where(Tensor* cond, Tensor* a, Tensor* b, Tensor** out) {
    DST_CATCH(*out = dst_wrap(at::where(*cond, *a, *b)))
}

DST_EXPORT int32_t dst_tensor_triu(Tensor* t, int64_t diagonal, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->triu(diagonal)))
}

DST_EXPORT int32_t dst_tensor_tril(Tensor* t, int64_t diagonal, Tensor** out) {
    DST_CATCH(*out = dst_wrap(t->tril(diagonal)))
}
