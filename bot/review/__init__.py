"""What we could not answer: messages the assistant fell back on or was unsure of, shown to
supervisors with personal details scrubbed, labelled by staff, exported as training data."""
