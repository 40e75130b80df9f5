// The time a cache line takes to go from one core to another and back, measured now: two
// threads pass a counter back and forth. Where two cores share little (another core complex,
// another socket, or a host that moved the virtual CPUs apart) it is several times longer,
// and a two-thread training step, whose threads exchange data at every phase, scales less;
// `bench` prints it beside the FMA peak so that its figures can be read against it. Any
// thread; it spawns and joins its own.
#pragma once

namespace ts::cli {

// Nanoseconds a round trip, the median of a few batches; 0 on a machine with one CPU, where
// two spinning threads would take turns on it instead.
double measure_core_round_trip();

}  // namespace ts::cli
