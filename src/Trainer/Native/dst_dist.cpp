// Collectives: libtorch's own c10d. A TCPStore for rendezvous (scoped per world by a PrefixStore),
// ProcessGroupGloo on CPU tensors and ProcessGroupNCCL on CUDA tensors, work handles, abort, and a bucket
// reducer that all-reduces each flat gradient bucket from autograd post-hooks as soon as backward has
// finished writing it (what DDP's Reducer does). Gloo is compiled in with USE_C10D_GLOO (its headers come
// from libgloo-dev), NCCL with USE_C10D_NCCL (pip torch with CUDA); without them the calls fail with a
// message that says so, and dst_capabilities() reports what is there.
#include "dst.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#if DST_VERSION_AT_LEAST(2, 0)
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

// libtorch 2.x splits the user-facing ProcessGroup from the backends (Gloo, NCCL derive from Backend);
// in 1.13 the backends derive from ProcessGroup. Both have the same collective signatures.
#if DST_VERSION_AT_LEAST(2, 0)
using DstBackend = c10d::Backend;
#else
using DstBackend = c10d::ProcessGroup;
#endif

static int64_t dst_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// ------------------------------------------------------------------------------------------------ Store

struct DstStore {
    c10::intrusive_ptr<c10d::TCPStore> store;
};

// A TCPStore: the server when is_server (port 0 picks a free one; dst_dist_store_port tells which), else a
// client that retries connecting until timeout_ms. The server does not wait for workers: each world's
// process group does its own rendezvous through it, under its own key prefix.
DST_EXPORT int32_t dst_dist_store_new(const char* host, int32_t port, int32_t is_server, int64_t timeout_ms,
                                      DstStore** out) {
    DST_CATCH({
        TORCH_CHECK(port >= 0 && port <= 65535, "port ", port, " is outside 0-65535");
        c10d::TCPStoreOptions opts;
        opts.port = (std::uint16_t)port;
        opts.isServer = is_server != 0;
        opts.waitWorkers = false;
        opts.timeout = std::chrono::milliseconds(timeout_ms);
        *out = new DstStore{c10::make_intrusive<c10d::TCPStore>(std::string(host), opts)};
    })
}

DST_EXPORT int32_t dst_dist_store_port(DstStore* s, int32_t* out) { DST_CATCH(*out = (int32_t)s->store->getPort()) }

DST_EXPORT void dst_dist_store_free(DstStore* s) { delete s; }

// ----------------------------------------------------------------------------------------- Process group

// The state behind a process-group handle; shared with the reducers built on it. Abort drops the backend
// (so every later call fails at once) and, for NCCL, aborts its communicators. A Gloo backend cannot be
// interrupted: its destructor waits for the running collective, which ends at the group's timeout or as
// soon as a peer's connection closes, so an aborted Gloo backend is destroyed on a thread of its own.
struct DstGroup {
    std::mutex mu;
    c10::intrusive_ptr<DstBackend> backend;
#ifdef USE_C10D_NCCL
    c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;  // the same backend, for abort and shutdown
#endif
    bool aborted = false;

    c10::intrusive_ptr<DstBackend> get() {
        std::lock_guard<std::mutex> lock(mu);
        TORCH_CHECK(!aborted, "the process group was aborted");
        return backend;
    }

    void abort() {
        c10::intrusive_ptr<DstBackend> b;
        {
            std::lock_guard<std::mutex> lock(mu);
            if (aborted) return;
            aborted = true;
            b = std::move(backend);
        }
#ifdef USE_C10D_NCCL
        if (nccl) {
            auto n = std::move(nccl);
            b.reset();
            n->abort();  // ncclCommAbort: ends the kernels waiting for a lost peer
            return;
        }
#endif
        std::thread([b = std::move(b)]() mutable { b.reset(); }).detach();
    }

    ~DstGroup() {
#ifdef USE_C10D_NCCL
        // shutdown() is ProcessGroupNCCL's orderly exit; destroyed without it, it warns and aborts.
        if (nccl) {
            try {
                nccl->shutdown();
            } catch (...) {
            }
        }
#endif
    }
};

struct DstGroupRef {
    std::shared_ptr<DstGroup> group;
};

struct DstWork {
    c10::intrusive_ptr<c10d::Work> work;
};

static c10::intrusive_ptr<c10d::Store> dst_scoped_store(DstStore* s, const char* prefix) {
    return c10::make_intrusive<c10d::PrefixStore>(std::string(prefix), s->store);
}

// Waits, at most join_timeout_ms, until all `size` ranks have arrived at the world's store. The backends
// wait for their peers with the collective timeout, which is meant to be seconds; ranks start further apart.
static void dst_join_barrier(const c10::intrusive_ptr<c10d::Store>& store, int32_t size, int64_t join_timeout_ms) {
    if (store->add("dst/joined", 1) == size) store->set("dst/all_joined", std::vector<uint8_t>{1});
    try {
        store->wait({"dst/all_joined"}, std::chrono::milliseconds(join_timeout_ms));
    } catch (const std::exception& e) {
        auto arrived = store->add("dst/joined", 0);
        TORCH_CHECK(false, "timed out after ", join_timeout_ms, " ms waiting for the world to form: ", arrived, " of ", size,
                    " ranks joined (", e.what(), ")");
    }
}

// Gloo on CPU tensors. The local address Gloo listens on and advertises: the interface named by iface if
// given, else the address or hostname in host if given, else libtorch's default (this machine's hostname).
DST_EXPORT int32_t dst_dist_pg_new_gloo(DstStore* s, const char* prefix, int32_t rank, int32_t size, int64_t timeout_ms,
                                        int64_t join_timeout_ms, const char* iface, const char* host, DstGroupRef** out) {
#ifdef USE_C10D_GLOO
    DST_CATCH({
        TORCH_CHECK(size >= 1 && rank >= 0 && rank < size, "rank ", rank, " is outside a world of ", size);
        auto opts = c10d::ProcessGroupGloo::Options::create(std::chrono::milliseconds(timeout_ms));
        if (iface && *iface)
            opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
        else if (host && *host)
            opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(host));
        else
            opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        auto store = dst_scoped_store(s, prefix);
        dst_join_barrier(store, size, join_timeout_ms);
        auto group = std::make_shared<DstGroup>();
        group->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
        *out = new DstGroupRef{std::move(group)};
    })
#else
    return dst_fail("this build of the shim has no Gloo (build it with libgloo-dev installed)");
#endif
}

// NCCL on the CUDA tensors of one device. Asynchronous error handling is set to clean up only (abort the
// communicators, fail the work) unless TORCH_NCCL_ASYNC_ERROR_HANDLING says otherwise: libtorch's default
// tears the whole process down, and survivors of a lost peer must live on to form the next world.
DST_EXPORT int32_t dst_dist_pg_new_nccl(DstStore* s, const char* prefix, int32_t rank, int32_t size, int64_t timeout_ms,
                                        int64_t join_timeout_ms, int32_t device, DstGroupRef** out) {
#ifdef USE_C10D_NCCL
    DST_CATCH({
        TORCH_CHECK(size >= 1 && rank >= 0 && rank < size, "rank ", rank, " is outside a world of ", size);
        setenv("TORCH_NCCL_ASYNC_ERROR_HANDLING", "2", 0);
        c10::cuda::set_device((c10::DeviceIndex)device);
        auto opts = c10d::ProcessGroupNCCL::Options::create();
        opts->timeout = std::chrono::milliseconds(timeout_ms);
        auto store = dst_scoped_store(s, prefix);
        dst_join_barrier(store, size, join_timeout_ms);
        auto nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, opts);
        // NCCL makes its communicator at the first collective: one tiny all-reduce now, so that joining
        // blocks until every rank is there (as with Gloo) and a missing rank fails here, at the timeout.
        std::vector<Tensor> probe{at::zeros({1}, at::TensorOptions().device(at::kCUDA, (c10::DeviceIndex)device))};
        nccl->allreduce(probe)->wait();
        auto group = std::make_shared<DstGroup>();
        group->backend = nccl;
        group->nccl = nccl;
        *out = new DstGroupRef{std::move(group)};
    })
#else
    return dst_fail("this build of the shim has no NCCL (it needs a pip torch with CUDA; see infra/gpu/run.sh)");
#endif
}

DST_EXPORT int32_t dst_dist_pg_abort(DstGroupRef* g) { DST_CATCH(g->group->abort()) }

// Releases this handle. The backend is destroyed when the last reducer built on it is gone too.
DST_EXPORT void dst_dist_pg_free(DstGroupRef* g) { delete g; }

DST_EXPORT int32_t dst_dist_pg_allreduce_sum(DstGroupRef* g, Tensor* t, DstWork** out) {
    DST_CATCH({
        std::vector<Tensor> tensors{*t};
        c10d::AllreduceOptions opts;
        opts.reduceOp = c10d::ReduceOp::SUM;
        *out = new DstWork{g->group->get()->allreduce(tensors, opts)};
    })
}

DST_EXPORT int32_t dst_dist_pg_broadcast(DstGroupRef* g, Tensor* t, int32_t root, DstWork** out) {
    DST_CATCH({
        std::vector<Tensor> tensors{*t};
        c10d::BroadcastOptions opts;
        opts.rootRank = root;
        opts.rootTensor = 0;
        *out = new DstWork{g->group->get()->broadcast(tensors, opts)};
    })
}

DST_EXPORT int32_t dst_dist_pg_barrier(DstGroupRef* g, DstWork** out) {
    DST_CATCH(*out = new DstWork{g->group->get()->barrier(c10d::BarrierOptions())})
}

// Gathers every rank's `input` into `output`, whose first dimension is the world size (row r from rank r).
DST_EXPORT int32_t dst_dist_pg_allgather(DstGroupRef* g, Tensor* input, Tensor* output, DstWork** out) {
    DST_CATCH({
        auto backend = g->group->get();
        TORCH_CHECK(output->dim() >= 1 && output->size(0) == backend->getSize(), "the output's first dimension (",
                    output->dim() >= 1 ? output->size(0) : 0, ") must be the world size (", backend->getSize(), ")");
        std::vector<Tensor> inputs{*input};
        std::vector<std::vector<Tensor>> outputs(1);
        for (int64_t r = 0; r < output->size(0); r++) outputs[0].push_back(output->select(0, r));
        *out = new DstWork{backend->allgather(outputs, inputs, c10d::AllgatherOptions())};
    })
}

// ---------------------------------------------------------------------------------------------- Work

// Waits for the work. timeout_ms < 0 waits as the backend does (Gloo: until done, or failed at the group's
// timeout; NCCL: makes the current CUDA stream wait, without blocking the host). Otherwise blocks the host
// at most that long: *completed = 0 when the work is still running then (a Gloo work goes on and can be
// waited for again; NCCL aborts its communicator on a blocking wait's timeout and fails).
DST_EXPORT int32_t dst_dist_work_wait(DstWork* w, int64_t timeout_ms, int32_t* completed) {
    DST_CATCH({
        *completed = 1;
        if (timeout_ms < 0) {
            w->work->wait();
        } else {
            bool timed_out = false;
            try {
                w->work->wait(std::chrono::milliseconds(timeout_ms));
            } catch (...) {
                // Work::wait throws both the work's own failure and "timed out"; only the latter leaves it
                // running. It may also have completed between the two: then the wait below, which returns
                // at once, gives its true outcome.
                timed_out = true;
            }
            if (timed_out) {
                if (w->work->isCompleted())
                    w->work->wait();
                else
                    *completed = 0;
            }
        }
    })
}

DST_EXPORT int32_t dst_dist_work_is_completed(DstWork* w, int32_t* out) { DST_CATCH(*out = w->work->isCompleted()) }

DST_EXPORT void dst_dist_work_free(DstWork* w) { delete w; }

// --------------------------------------------------------------------------------------- Bucket reducer

// Launches each bucket's all-reduce from the post-hooks of its parameters' gradient accumulators, once
// every parameter of the bucket has accumulated, in a fixed launch order (collectives must be issued in
// the same order on every rank: a bucket that is ready waits for the buckets before it in that order).
// Hooks only act between arm() and finish(): the micro-batches before the last accumulate locally.
struct DstReducer;

struct DstReadyHook : torch::autograd::FunctionPostHook {
    DstReducer* reducer;
    int32_t param;
    DstReadyHook(DstReducer* r, int32_t p) : reducer(r), param(p) {}
    torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                              const torch::autograd::variable_list& inputs) override;
};

struct DstReducer {
    std::shared_ptr<DstGroup> group;
    std::vector<Tensor> grads;                 // the flat gradient of each bucket
    std::vector<int32_t> param_bucket;         // bucket of each parameter
    std::vector<int32_t> expected;             // parameters per bucket
    std::vector<int32_t> order;                // launch order (bucket indices)
    // The accumulators are held here: a leaf keeps only a weak reference to its own, and the hooks must
    // survive between graphs.
    std::vector<std::pair<uintptr_t, std::shared_ptr<torch::autograd::Node>>> hooks;

    std::mutex mu;
    bool armed = false;
    size_t next = 0;                           // position in `order` of the next bucket to launch
    std::vector<int32_t> pending;              // parameters per bucket still to accumulate
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    std::vector<int64_t> ready_ns, launch_ns;
    std::vector<int32_t> ready_order;
    int64_t finish_ns = 0;
    std::string error;                         // the first failure seen inside a hook

    void launch_ready(bool all) {
        while (next < order.size() && (all || pending[order[next]] == 0)) {
            auto b = order[next++];
            launch_ns[b] = dst_now_ns();
            try {
                std::vector<Tensor> tensors{grads[b]};
                c10d::AllreduceOptions opts;
                opts.reduceOp = c10d::ReduceOp::SUM;
                works[b] = group->get()->allreduce(tensors, opts);
            } catch (const c10::Error& e) {
                if (error.empty()) error = c10::str("bucket ", b, ": ", e.what_without_backtrace());
            } catch (const std::exception& e) {
                if (error.empty()) error = c10::str("bucket ", b, ": ", e.what());
            }
        }
    }

    void ready(int32_t param) {
        std::lock_guard<std::mutex> lock(mu);
        if (!armed) return;
        auto b = param_bucket[param];
        if (pending[b] == 0) {
            // The all-reduce may already be reading the bucket: its sum would miss this gradient.
            if (error.empty())
                error = c10::str("parameter ", param, " (bucket ", b, ") received a second gradient after its bucket",
                                 " was complete: arm the reducer right before the last backward of the step");
            return;
        }
        if (--pending[b] > 0) return;
        ready_ns[b] = dst_now_ns();
        ready_order.push_back(b);
        launch_ready(false);
    }

    ~DstReducer() {
        for (auto& [key, node] : hooks) node->del_post_hook(key);
    }
};

torch::autograd::variable_list DstReadyHook::operator()(const torch::autograd::variable_list& outputs,
                                                        const torch::autograd::variable_list& inputs) {
    reducer->ready(param);
    return outputs;
}

// grads: the flat gradient of each bucket; params: every trainable parameter, param_bucket[i] the bucket
// whose flat gradient holds params[i]'s .grad. The initial launch order is the buckets in reverse.
DST_EXPORT int32_t dst_dist_reducer_new(DstGroupRef* g, Tensor** grads, int32_t nbuckets, Tensor** params,
                                        const int32_t* param_bucket, int32_t nparams, DstReducer** out) {
    DST_CATCH({
        auto r = std::make_unique<DstReducer>();
        r->group = g->group;
        r->grads = dst_list(grads, nbuckets);
        r->expected.assign(nbuckets, 0);
        for (int32_t i = 0; i < nparams; i++) {
            auto b = param_bucket[i];
            TORCH_CHECK(b >= 0 && b < nbuckets, "parameter ", i, " names bucket ", b, " of ", nbuckets);
            TORCH_CHECK(params[i]->requires_grad() && params[i]->is_leaf(), "parameter ", i,
                        " is not a leaf that requires grad");
            r->param_bucket.push_back(b);
            r->expected[b]++;
        }
        for (int32_t b = 0; b < nbuckets; b++) {
            TORCH_CHECK(r->expected[b] > 0, "bucket ", b, " has no parameters");
            r->order.push_back(nbuckets - 1 - b);
        }
        for (int32_t i = 0; i < nparams; i++) {
            auto acc = torch::autograd::impl::grad_accumulator(*params[i]);
            TORCH_CHECK(acc, "parameter ", i, " has no gradient accumulator");
            auto key = acc->add_post_hook(std::make_unique<DstReadyHook>(r.get(), i));
            r->hooks.emplace_back(key, std::move(acc));
        }
        r->pending = r->expected;
        r->works.resize(nbuckets);
        r->ready_ns.assign(nbuckets, 0);
        r->launch_ns.assign(nbuckets, 0);
        *out = r.release();
    })
}

// Sets the launch order: a permutation of the bucket indices, the same on every rank.
DST_EXPORT int32_t dst_dist_reducer_set_order(DstReducer* r, const int32_t* order, int32_t n) {
    DST_CATCH({
        std::lock_guard<std::mutex> lock(r->mu);
        TORCH_CHECK(!r->armed, "the launch order cannot change while the reducer is armed");
        auto count = (int32_t)r->grads.size();
        TORCH_CHECK(n == count, "the launch order has ", n, " buckets, the reducer ", count);
        std::vector<bool> seen(count, false);
        for (int32_t i = 0; i < n; i++) {
            TORCH_CHECK(order[i] >= 0 && order[i] < count && !seen[order[i]], "the launch order is not a permutation");
            seen[order[i]] = true;
        }
        r->order.assign(order, order + n);
    })
}

// Called right before the last backward of a step: from now on each completed bucket is all-reduced.
DST_EXPORT int32_t dst_dist_reducer_arm(DstReducer* r) {
    DST_CATCH({
        std::lock_guard<std::mutex> lock(r->mu);
        TORCH_CHECK(!r->armed, "the reducer is already armed (finish the previous step first)");
        r->group->get();  // fails at once on an aborted group
        r->pending = r->expected;
        r->next = 0;
        std::fill(r->works.begin(), r->works.end(), c10::intrusive_ptr<c10d::Work>());
        std::fill(r->ready_ns.begin(), r->ready_ns.end(), 0);
        std::fill(r->launch_ns.begin(), r->launch_ns.end(), 0);
        r->ready_order.clear();
        r->finish_ns = 0;
        r->error.clear();
        r->armed = true;
    })
}

// Called after the last backward: launches the buckets no hook completed (parameters without a gradient
// in this backward) and reports a failure seen inside a hook. The caller then waits for every bucket's
// work (dst_dist_reducer_work), each launched bucket even after a failure: nothing may still read the
// gradients when they are used or freed.
DST_EXPORT int32_t dst_dist_reducer_finish(DstReducer* r) {
    DST_CATCH({
        std::lock_guard<std::mutex> lock(r->mu);
        TORCH_CHECK(r->armed, "the reducer is not armed (call arm before the last backward)");
        r->finish_ns = dst_now_ns();
        r->armed = false;
        // Launched even after a failure here, so that the other ranks' collectives are matched.
        r->launch_ready(true);
        TORCH_CHECK(r->error.empty(), r->error);
    })
}

// The work of bucket b's all-reduce in the last armed step; *out is null when it was not launched.
DST_EXPORT int32_t dst_dist_reducer_work(DstReducer* r, int32_t b, DstWork** out) {
    DST_CATCH({
        std::lock_guard<std::mutex> lock(r->mu);
        TORCH_CHECK(b >= 0 && b < (int32_t)r->works.size(), "bucket ", b, " of ", r->works.size());
        *out = r->works[b] ? new DstWork{r->works[b]} : nullptr;
    })
}

// Timings of the last armed step (steady clock, ns; 0 = did not happen): per bucket when its last
// gradient accumulated and when its all-reduce was launched; the buckets in the order they became ready
// (*nready of them); when finish was called.
DST_EXPORT int32_t dst_dist_reducer_stats(DstReducer* r, int64_t* ready_ns, int64_t* launch_ns, int32_t* ready_order,
                                          int32_t* nready, int64_t* finish_ns) {
    DST_CATCH({
        std::lock_guard<std::mutex> lock(r->mu);
        std::copy(r->ready_ns.begin(), r->ready_ns.end(), ready_ns);
        std::copy(r->launch_ns.begin(), r->launch_ns.end(), launch_ns);
        std::copy(r->ready_order.begin(), r->ready_order.end(), ready_order);
        *nready = (int32_t)r->ready_order.size();
        *finish_ns = r->finish_ns;
    })
}

// Removes the hooks. Never while a backward that uses these parameters runs.
DST_EXPORT void dst_dist_reducer_free(DstReducer* r) { delete r; }
