"""What tests share: a clock the test moves by hand, waiting with a deadline, and the conversation
helpers of the end-to-end tests. Test modules import from here, never from one another."""
