/**
 * An IDL that defines its own type called `fd`: here every unqualified `fd` means this
 * typedef (an `i32`), not the built-in file descriptor. Included by fds.thrift, which means
 * it as `fd_shadow.fd`.
 */
namespace rs fd_shadow

/** A plain number that happens to be called `fd`. */
typedef i32 fd

/** Numbers only: this struct derives everything an `i32` allows. */
struct Numbers {
  1: fd first
  2: list<fd> rest
  3: map<fd, fd> pairs
  4: fd with_default = 7
}

/** The next number after `fd`. */
const fd SEVEN = 7

/** A service whose `fd` arguments and results are numbers. */
service Counter {
  /** Returns `fd + 1`. */
  fd next(1: fd fd)
}
