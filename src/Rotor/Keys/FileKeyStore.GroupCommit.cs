using Rotor.IO;

namespace Rotor.Keys;

/// <summary>
/// Group commit for key files. Each key is written the way <see cref="AtomicFile"/> writes a
/// file (a temp file created 0600 in the same folder, fsync, rename, fsync of the folder), but
/// keys written at the same time share the wait. The first writer to find no commit running
/// leads: on its own thread it takes every key queued so far, fsyncs their temp files (their
/// writeback was started when they were written, so the disk works on all of them at once),
/// renames them, fsyncs the folder once, and only then lets each of those writers return. Keys
/// queued meanwhile form the next group, led by the first of their writers. A lone writer
/// commits its own key with no hand-off between threads.
/// A crash leaves each key either absent (or its old version) or complete, never partial: no
/// rename happens before its file's fsync, and no writer returns before the folder's fsync.
/// </summary>
public sealed partial class FileKeyStore
{
    private readonly Lock _commitLock = new();
    // Guarded by _commitLock: keys written and waiting for the next group, and whether a group
    // is being committed (at most one at a time, so a group's folder fsync covers its renames).
    private List<PendingKeyFile> _pending = [];
    private bool _committing;

    /// <summary>A written temp file waiting for its group; told when it is durable (or failed), or when its writer must lead.</summary>
    private sealed record PendingKeyFile(string TempPath, string FinalPath, FileStream File)
    {
        public TaskCompletionSource Durable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Lead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically; returns once it is durable.</summary>
    private async Task WriteDurablyAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (temp, file) = AtomicFile.WriteTemp(Path.GetFullPath(path), content, AtomicFile.PrivateMode);
        var pending = new PendingKeyFile(temp, path, file);
        bool lead;
        lock (_commitLock)
        {
            _pending.Add(pending);
            lead = !_committing;
            _committing = true;
        }
        // Not cancellable once queued: the key is committed or it fails, and the writer learns which.
        if (!lead && await Task.WhenAny(pending.Durable.Task, pending.Lead.Task) == pending.Lead.Task)
        {
            lead = true;
        }
        if (lead)
        {
            CommitGroup();
        }
        // This writer's key was in a group (its own or another's); a failure to store it surfaces here.
        await pending.Durable.Task;
    }

    /// <summary>Commits every key queued so far, then hands the lead to a writer queued meanwhile, if any.</summary>
    private void CommitGroup()
    {
        List<PendingKeyFile> group;
        lock (_commitLock)
        {
            group = _pending;
            _pending = [];
        }
        try
        {
            Commit(group);
        }
        catch (Exception e)
        {
            // Whatever went wrong, no writer is left waiting: each learns its key may not be stored.
            foreach (var pending in group)
            {
                pending.File.Dispose();
                pending.Durable.TrySetException(e);
            }
        }
        PendingKeyFile? next = null;
        lock (_commitLock)
        {
            if (_pending.Count == 0)
            {
                _committing = false;
            }
            else
            {
                next = _pending[0];
            }
        }
        next?.Lead.TrySetResult();
    }

    private void Commit(List<PendingKeyFile> group)
    {
        var failures = new Exception?[group.Count];
        // 1. Each temp file's content and size on disk before it is renamed into place.
        for (var i = 0; i < group.Count; i++)
        {
            try
            {
                group[i].File.Flush(flushToDisk: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures[i] = e;
            }
            finally
            {
                group[i].File.Dispose();
            }
        }
        // 2. The renames, then 3. one fsync of the folder makes all of them durable.
        var renamed = false;
        for (var i = 0; i < group.Count; i++)
        {
            if (failures[i] is not null) continue;
            try
            {
                File.Move(group[i].TempPath, group[i].FinalPath, overwrite: true);
                renamed = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures[i] = e;
            }
        }
        Exception? folderFailure = null;
        if (renamed && AtomicFile.SyncDirectory(_directory) is { } errno)
        {
            folderFailure = new IOException($"fsync of the key folder failed (errno {errno})");
        }
        for (var i = 0; i < group.Count; i++)
        {
            if ((failures[i] ?? folderFailure) is { } failure)
            {
                AtomicFile.TryDelete(group[i].TempPath);
                group[i].Durable.TrySetException(failure);
            }
            else
            {
                group[i].Durable.TrySetResult();
            }
        }
    }

}
