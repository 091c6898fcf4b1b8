/// Placeholder: this module is built in its own issue.
public enum SluiceBenchModule {}
