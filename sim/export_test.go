package sim

// OnSQSLongPollWait makes f run each time an SQS ReceiveMessage long poll has found no message
// and is about to wait (see sqs.Service.OnLongPollWait); nil removes it.
func (s *Server) OnSQSLongPollWait(f func()) { s.sqs.OnLongPollWait(f) }
