package io.effnet.model.keras;

/**
 * A Keras weight file that cannot be read, written or mapped: not HDF5, not the Keras layout, or tensors that do
 * not fit the model (missing, extra, mis-shaped). The message names the file, the tensors and the shapes.
 */
public final class KerasWeightsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KerasWeightsException(String message) {
    super(message);
  }

  public KerasWeightsException(String message, Throwable cause) {
    super(message, cause);
  }
}
