A multi-turn chat: answers stream in, history is kept between sessions, and each request carries
the conversation so far. The model's replies are scripted in the fake endpoint.

  $ CTL="$TESTDIR/../tests/fakes/openai_ctl.py"
  $ python "$CTL" script "$TESTDIR/../samples/chat/conversation.json"
  $ printf 'What is a Pod?\nHow do I run nginx in one?\n/exit\n' | sentinel chat
  conversation conv_[0-9a-f]+ \(new\); model gpt-4o-mini (re)
  type /help for commands
  you> What is a Pod?
  assistant> A Pod is the smallest thing Kubernetes runs: one or more containers that share a network address and volumes, scheduled together on one node.
  you> How do I run nginx in one?
  assistant> Write a spec with two keys, `name: web` and `image: nginxinc/nginx-unprivileged:1.27-alpine`, then run `doit generate`. kube-sentinel adds the restricted security settings for you.
  you> /exit

The second request carried the first turn; the system prompt is rebuilt for every request and
never stored:

  $ python "$CTL" messages 2
  system: \(\d+ chars\) (re)
  user: What is a Pod?
  assistant: A Pod is the smallest thing Kubernetes runs: one or more containers that share a network address and volumes, scheduled together on one node.
  user: How do I run nginx in one?

A new session resumes the last conversation:

  $ printf '/history\n' | sentinel chat
  conversation conv_[0-9a-f]+ \(resumed, 4 messages\); model gpt-4o-mini (re)
  type /help for commands
  you> /history
  you> What is a Pod?
  assistant> A Pod is the smallest thing Kubernetes runs: one or more containers that share a network address and volumes, scheduled together on one node.
  you> How do I run nginx in one?
  assistant> Write a spec with two keys, `name: web` and `image: nginxinc/nginx-unprivileged:1.27-alpine`, then run `doit generate`. kube-sentinel adds the restricted security settings for you.

--new starts another one; /list shows both, the current one marked:

  $ printf '/list\n' | sentinel chat --new
  conversation conv_[0-9a-f]+ \(new\); model gpt-4o-mini (re)
  type /help for commands
  you> /list
  \* conv_[0-9a-f]+    0 messages  \(untitled\) (re)
    conv_[0-9a-f]+    4 messages  What is a Pod\? (re)

Every model call is logged (conversation, model, latency, tokens from the usage chunk, retries,
errors); `sentinel calls` sums the log per conversation:

  $ sentinel calls
  conversation                          calls  errors  retries  in tokens  out tokens    tokens    latency
  conv_[0-9a-f]+                     2       0        0       2472          75      2547      \d+\.\d\ds (re)
  $ sentinel calls --json | python -c 'import json, sys; c = json.load(sys.stdin)["conversations"][0]; print(c["calls"], c["input_tokens"], c["output_tokens"], c["errors"], c["models"])'
  2 2472 75 0 ['gpt-4o-mini']
