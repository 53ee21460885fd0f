"""Understanding what a person wrote: which answer they need, how sure we are, and every
need in a message that carries more than one. Plain Python (no Rasa): the NLU component in
rasa_addons/ wraps it, and the NLU benchmark uses it directly."""
