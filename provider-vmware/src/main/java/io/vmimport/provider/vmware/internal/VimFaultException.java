package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.MethodFault;
import java.rmi.RemoteException;
import java.util.Optional;

/**
 * A SOAP fault from vSphere with its message kept (yavijava's own faults lose it on Java 17 without
 * {@code --add-opens}) and, when the model knows the fault type, the typed fault.
 */
public final class VimFaultException extends RemoteException {
  private static final long serialVersionUID = 1L;

  private final String faultType;
  private final transient MethodFault fault;

  public VimFaultException(String faultString, Optional<String> faultType, MethodFault fault) {
    super(faultString.isBlank() ? faultType.orElse("SOAP fault") : faultString);
    this.faultType = faultType.orElse("");
    this.fault = fault;
  }

  /** The vim25 fault type name, e.g. {@code InvalidLogin}; empty when the fault had no detail. */
  public String faultType() {
    return faultType;
  }

  public Optional<MethodFault> fault() {
    return Optional.ofNullable(fault);
  }

  /** Whether the fault is of {@code type} or a subtype of it. */
  public boolean is(Class<? extends MethodFault> type) {
    return type.isInstance(fault) || type.getSimpleName().equals(faultType);
  }
}
