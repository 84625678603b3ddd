#!/usr/bin/env python3
"""Share of a profile's samples spent in named suspects (used by profile.sh).

Reads `perf script -F comm,tid,ip,sym,dso` (with call chains) on stdin; prints, for
each suspect, the percentage of samples that have one of its frames anywhere
on the stack (inclusive time; a sample counts once per suspect), and the
number of samples. Suspects overlap: the lines do not add up to 100 %.
"""
import re
import sys

# name, regex on a frame's symbol, optional regex that must also be on the stack
SUSPECTS = [
    ("edge HTTP threads (ElasticTaskQueue)", r"ElasticTaskQueue::Work", None),
    ("gRPC server threads (identity/token/audit handlers)", r"SyncRequestThreadManager|ThreadManager::MainWorkLoop|grpc::internal::RpcMethodHandler", None),
    ("audit outbox shipper thread", r"OutboxShipper::", None),
    ("  of which Outbox::Peek (RocksDB scan of the outbox)", r"audit::Outbox::Peek", None),
    ("RocksDB background (flush/compaction)", r"rocksdb::(DBImpl::BGWork|DBImpl::BackgroundCall|ThreadPoolImpl)", None),
    ("HTTP request read: httplib getline -> DeadlineStream::read", r"stream_line_reader::getline", None),
    ("  of which the recv() syscall", r"^(__libc_recv|recv)$", r"stream_line_reader::getline"),
    ("DeadlineStream::read (all reads, headers and body)", r"DeadlineStream::read", None),
    ("DeadlineStream::write (responses)", r"DeadlineStream::write", None),
    ("bearer verification, all (Authenticator::Verify)", r"token::Authenticator::Verify", None),
    ("  at the edge (Admission::Admit)", r"token::Authenticator::Verify", r"Admission::Admit"),
    ("  in identity-service (IdentityServiceImpl::Authorize)", r"token::Authenticator::Verify", r"IdentityServiceImpl::Authorize"),
    ("  SHA-256 of the key (cache key)", r"scim::Sha256", None),
    ("Projection built from the schema (scim::Projection::Projection)", r"^scim::Projection::Projection", None),
    ("JSON parse of the request body (Call::ParseBody)", r"Call::ParseBody|ParsePatchBody", None),
    ("JSON -> proto (DecodeResource)", r"scim::DecodeResource", None),
    ("proto -> JSON (EncodeResource)", r"scim::EncodeResource", None),
    ("JSON -> text (Call::Json, dump)", r"edge::Call::Json", None),
    ("protobuf copies (CopyFrom/MergeFrom, not parsing)", r"::CopyFrom$|::MergeFrom$|::MergeImpl$|RepeatedPtrField.*::MergeFrom", None),
    ("protobuf serialise (_InternalSerialize)", r"_InternalSerialize|SerializeWithCachedSizes|SerializePartialToZeroCopy", None),
    ("protobuf parse (_InternalParse/MergeFromImpl)", r"_InternalParse|MergeFromImpl|ParseFrom", None),
    ("gRPC client call (BlockingUnaryCall, includes waiting)", r"BlockingUnaryCallImpl", None),
    ("gRPC core (libgrpc frames: transport, CQ, polling)", r"^grpc_|grpc_core::", None),
    ("attribute paths parsed/resolved (ResolvePathText/ParseAttributePath)", r"ResolvePathText|ParseAttributePath", None),
    ("  of which for index keys (StringValuesAt)", r"StringValuesAt", None),
    ("FindFieldByScimName", r"FindFieldByScimName", None),
    ("ResourceStore::Create", r"identity::ResourceStore::Create", None),
    ("ResourceStore::Get", r"identity::ResourceStore::Get", None),
    ("schema validation (ValidateResource)", r"ValidateResource", None),
    ("RocksDB transaction commit (incl. WAL)", r"RocksDbTransaction::Commit", None),
    ("RocksDB WAL write (WriteToWAL)", r"DBImpl::WriteToWAL", None),
    ("fsync/fdatasync", r"fdatasync|fsync|do_fsync", None),
    ("RocksDB point reads (DBImpl::Get)", r"rocksdb::DBImpl::Get", None),
    ("audit event into the outbox (Outbox::Add)", r"audit::Outbox::Add", None),
    ("Redis client", r"Redis", None),
    ("access log (LogAccess)", r"LogAccess", None),
    ("any logging (scim::Log*)", r"^scim::Log[A-Z]", None),
    ("malloc/free (self)", r"^(malloc|free|_int_malloc|_int_free|cfree|malloc_consolidate|operator new|operator delete)", "SELF"),
    ("kernel (self: the sampled frame is in the kernel)", r"KERNEL", "SELF"),
]


FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.*?)\s+\(([^()]*)\)\s*$")


def samples(stream):
    """Yields (comm, [(symbol, dso), ...] leaf first) per sample."""
    comm, frames = None, []
    for line in stream:
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif line[0] not in " \t":
            if comm is not None:
                yield comm, frames
            comm, frames = line.split()[0], []
        else:
            m = FRAME.match(line)
            if m:
                frames.append((m.group(1), m.group(2)))
            else:
                frames.append((line.strip(), ""))
    if comm is not None:
        yield comm, frames


def main():
    compiled = [(n, re.compile(r), c if c in (None, "SELF") else re.compile(c))
                for n, r, c in SUSPECTS]
    counts = [0] * len(compiled)
    total = 0
    for _comm, frames in samples(sys.stdin):
        total += 1
        syms = [f[0] for f in frames]
        for i, (_n, rx, cond) in enumerate(compiled):
            if cond == "SELF":
                if not frames:
                    continue
                if rx.pattern == "KERNEL":
                    hit = "kernel" in frames[0][1]
                else:
                    hit = rx.search(frames[0][0]) is not None
            else:
                hit = any(rx.search(f) for f in syms)
                if hit and cond is not None:
                    hit = any(cond.search(f) for f in syms)
            if hit:
                counts[i] += 1
    if total == 0:
        print("no samples")
        return
    print(f"{total:>16}  samples of scimd")
    for (n, _r, _c), k in zip(compiled, counts):
        print(f"{100.0 * k / total:7.1f}%  {k:6d}  {n}")


if __name__ == "__main__":
    main()
