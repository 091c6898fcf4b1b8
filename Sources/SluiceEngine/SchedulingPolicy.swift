/// The order in which waiting requests are admitted (`--scheduling-policy`), as vLLM's
/// `SchedulerConfig.policy`.
public enum SchedulingPolicy: String, Sendable, Equatable, CaseIterable {
    /// First come, first served: waiting requests in arrival order, preempted ones in front.
    case fcfs
    /// By ``Request/priority`` (lower runs first), then arrival: the waiting queue, the order in
    /// which running prompts get the step's time, and the choice of preemption victim (the
    /// highest value, then the latest arrival) all follow it.
    case priority
}
