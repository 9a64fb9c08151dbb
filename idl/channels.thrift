/**
 * Services for the channel-endpoint tests: two services on two channels, hosted by both
 * ends of one connection, plus an ordinary channel-0 service.
 */
namespace rs channels

/** Calls that bounce between the peers. */
service Ping channel 7 {
  /** Returns `n` plus what the peer's `bounce(n - 1)` returns, when `n > 0`. */
  i64 bounce(1: i32 n),
  /** Recorded by the receiving handler; never answered. */
  oneway void note(1: string text),
  /** Sleeps `ms` milliseconds, then returns them. */
  i32 nap(1: i32 ms),
  /** Returns `data`. */
  binary blob(1: binary data),
}

/** Plain arithmetic on a second channel. */
service Pong channel 8 {
  /** Returns `a + b` and a tag naming the side that answered. */
  string add(1: i64 a, 2: i64 b),
}

/** A service on channel 0, as any Apache peer speaks it. */
service Plain {
  /** Returns `Hello, <name>`. */
  string hello(1: string name),
}
