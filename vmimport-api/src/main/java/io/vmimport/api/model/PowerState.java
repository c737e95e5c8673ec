package io.vmimport.api.model;

public enum PowerState {
  ON,
  OFF,
  SUSPENDED,
  UNKNOWN
}
