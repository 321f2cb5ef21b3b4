"""Model families: one keras.Model subclass per family, each with its own train_step."""
