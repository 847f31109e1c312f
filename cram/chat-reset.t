/reset empties the current conversation and starts it afresh: the next request holds only the
system prompt and the new message.

  $ CTL="$TESTDIR/../tests/fakes/openai_ctl.py"
  $ python "$CTL" script "$TESTDIR/../samples/chat/reset.json"
  $ printf 'Remember: my app is called shop.\n/reset\n/history\nWhat is my app called?\n' | sentinel chat
  conversation conv_[0-9a-f]+ \(new\); model gpt-4o-mini (re)
  type /help for commands
  you> Remember: my app is called shop.
  assistant> Noted: your app is called shop.
  you> /reset
  conversation conv_[0-9a-f]+ cleared (re)
  you> /history
  (no messages yet)
  you> What is my app called?
  assistant> I don't know: this conversation has no earlier messages. What is it called?
  $ python "$CTL" messages 2
  system: \(\d+ chars\) (re)
  user: What is my app called?

The conversation keeps its id; only its messages went:

  $ printf '/list\n/history\n' | sentinel chat
  conversation conv_[0-9a-f]+ \(resumed, 2 messages\); model gpt-4o-mini (re)
  type /help for commands
  you> /list
  \* conv_[0-9a-f]+    2 messages  Remember: my app is called shop\. (re)
  you> /history
  you> What is my app called?
  assistant> I don't know: this conversation has no earlier messages. What is it called?
