/** Entry point of the data worker: validation, profiling, drift and evaluation activities. */
import { runQueueWorkerMain } from './main';

void runQueueWorkerMain('data');
