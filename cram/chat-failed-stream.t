A failed turn is rolled back: history is exactly as before, the user sees what happened and
simply sends the message again.

The first answer's connection drops after a few tokens; the retry succeeds:

  $ CTL="$TESTDIR/../tests/fakes/openai_ctl.py"
  $ python "$CTL" script "$TESTDIR/../samples/chat/failed-stream.json"
  $ printf 'Explain probes\nExplain probes\n/history\n' | sentinel chat
  conversation conv_[0-9a-f]+ \(new\); model gpt-4o-mini (re)
  type /help for commands
  you> Explain probes
  assistant> Probes tell the
  error: the answer stream dropped: RemoteProtocolError: peer closed connection without sending complete message body (incomplete chunked read)
    the turn was rolled back (history unchanged); send the message again to retry
  you> Explain probes
  assistant> Probes tell the kubelet whether a container is alive and ready.
  you> /history
  you> Explain probes
  assistant> Probes tell the kubelet whether a container is alive and ready.

The stored conversation holds the question once, with the complete answer. Next, a stream that
ends without a finish reason is also rolled back; then the endpoint is overloaded twice before
the first token, which is retried automatically with backoff:

  $ printf 'And readiness?\nAnd readiness?\n' | sentinel chat
  conversation conv_[0-9a-f]+ \(resumed, 2 messages\); model gpt-4o-mini (re)
  type /help for commands
  you> And readiness?
  assistant> This answer never finishes
  error: the answer stream ended without a finish reason
    the turn was rolled back (history unchanged); send the message again to retry
  you> And readiness?
    \(retry: provider error 503: the model is overloaded; retrying in \d\.\ds \(1/3\)\) (re)
    \(retry: provider error 503: the model is overloaded; retrying in \d\.\ds \(2/3\)\) (re)
  assistant> Readiness gates traffic; liveness restarts a stuck container.
  $ printf '/history\n' | sentinel chat
  conversation conv_[0-9a-f]+ \(resumed, 4 messages\); model gpt-4o-mini (re)
  type /help for commands
  you> /history
  you> Explain probes
  assistant> Probes tell the kubelet whether a container is alive and ready.
  you> And readiness?
  assistant> Readiness gates traffic; liveness restarts a stuck container.

The call log counts the failed calls and the retries:

  $ sentinel calls --json | python -c 'import json, sys; c = json.load(sys.stdin)["conversations"][0]; print("calls", c["calls"], "errors", c["errors"], "retries", c["retries"])'
  calls 4 errors 2 retries 2
