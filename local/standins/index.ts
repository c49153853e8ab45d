export { createTables, type DynaliteStandIn, startDynalite } from './dynalite.ts';
export { connectDynamoEndpoint } from './dynamo-endpoint.ts';
export { FaultQueue, type FaultRule, type ProviderFault } from './faults.ts';
export { LOCAL_CLIENT_CONFIG, LOOPBACK } from './net.ts';
export {
  type PinpointSinkStandIn,
  type SinkDeliveryStatus,
  type SinkMessage,
  startPinpointSink,
} from './pinpoint-sink.ts';
export {
  type ScheduleFault,
  type SchedulerStandIn,
  type StoredSchedule,
  startSchedulerStandIn,
} from './scheduler.ts';
export { type EmailReceipt, startSesFaultProxy } from './ses-fault-proxy.ts';
export { type SesLocalStandIn, type StoredEmail, startSesLocal } from './ses-local.ts';
export { type SfnSinkStandIn, type SinkExecution, startSfnSink } from './sfn-sink.ts';
