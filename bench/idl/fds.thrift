// The service of the descriptor-passing benchmark (ours only: Apache's compiler has no `fd`).

namespace rs fds

service FdBench {
  /** Returns the size of the file behind the descriptor (one fstat). */
  i64 pass(1: fd file),
  /** The same call with an i32 where the descriptor was: the cost of everything else. */
  i64 plain(1: i64 value),
  /** Reads a memfd whole and returns the wrapping sum of its 64-bit words. */
  i64 take_memfd(1: fd data),
  /** Returns the wrapping sum of the 64-bit words of the bytes sent in the message. */
  i64 take_bytes(1: binary data),
}
