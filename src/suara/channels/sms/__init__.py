"""Two-way SMS: the channel for citizens without internet or a smartphone."""
