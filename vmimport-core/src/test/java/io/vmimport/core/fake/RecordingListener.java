package io.vmimport.core.fake;

import io.vmimport.api.ImportPhase;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.DiskProgress;
import io.vmimport.api.event.ImportCondition;
import io.vmimport.api.event.ImportListener;
import io.vmimport.api.model.ImportRef;
import io.vmimport.api.target.PublishedImage;
import io.vmimport.api.target.TargetStatus;
import io.vmimport.api.target.TargetVm;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Records what an import reports. */
public class RecordingListener implements ImportListener {
  public final List<String> phases = Collections.synchronizedList(new ArrayList<>());
  public final List<String> messages = Collections.synchronizedList(new ArrayList<>());
  public final List<ImportCondition> conditions = Collections.synchronizedList(new ArrayList<>());
  public final List<DiskProgress> progress = Collections.synchronizedList(new ArrayList<>());
  public final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
  public final List<String> waits = Collections.synchronizedList(new ArrayList<>());
  public final List<TargetVm> planned = Collections.synchronizedList(new ArrayList<>());
  public final List<String> images = Collections.synchronizedList(new ArrayList<>());

  /** "{@code <code> after <phases reported until then>}", one per failure. */
  public final List<String> failures = Collections.synchronizedList(new ArrayList<>());

  @Override
  public void phaseChanged(ImportRef ref, ImportPhase phase, String message) {
    phases.add(phase.wireValue());
    messages.add(message);
  }

  @Override
  public void failed(ImportRef ref, VmImportException error) {
    failures.add(error.code() + " after " + List.copyOf(phases));
  }

  @Override
  public void conditionChanged(ImportRef ref, ImportCondition condition) {
    conditions.add(condition);
  }

  @Override
  public void diskProgress(ImportRef ref, DiskProgress diskProgress) {
    progress.add(diskProgress);
  }

  @Override
  public void planned(ImportRef ref, TargetVm vm) {
    planned.add(vm);
  }

  /** Records "{@code <disk> <image> <state>}". */
  @Override
  public void imageChanged(ImportRef ref, PublishedImage image, TargetStatus status) {
    images.add(image.diskName() + " " + image.imageName() + " " + status.state());
  }

  @Override
  public void waiting(ImportRef ref, String reason, String message) {
    waits.add(reason + ": " + message);
  }

  @Override
  public void warning(ImportRef ref, String message) {
    warnings.add(message);
  }

  public List<String> conditionTypes() {
    synchronized (conditions) {
      return conditions.stream().map(c -> c.type().wireValue()).toList();
    }
  }
}
